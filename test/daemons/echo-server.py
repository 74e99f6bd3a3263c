"""Benign: a loopback echo server that only answers the requests it gets."""
import socket, sys

srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", int(sys.argv[1])))
srv.listen(8)
srv.settimeout(8)
try:
    while True:
        conn, _ = srv.accept()
        data = conn.recv(256)
        conn.sendall(data)
        conn.close()
except socket.timeout:
    pass
