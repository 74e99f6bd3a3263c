"""Talks to a local service over IPv6 loopback every 0.8 s."""
import socket, sys, time

time.sleep(1.5)
for _ in range(6):
    s = socket.socket(socket.AF_INET6)
    try:
        s.connect(("::1", int(sys.argv[1])))
        s.sendall(b"ping\n")
    except OSError:
        pass
    s.close()
    time.sleep(0.8)
