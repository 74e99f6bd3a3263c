"""Syscall-heavy workload: open/read/close in a loop, fork+exec every 500 iterations.
Prints the loop's own wall time, so a sensor's start-up cost is not counted as overhead.
Usage: workload.py [ITERATIONS] [DELAY_S]   (DELAY_S: sleep first, for a sensor to attach by pid)"""
import os, sys, time
n = int(sys.argv[1]) if len(sys.argv) > 1 else 200000
time.sleep(float(sys.argv[2]) if len(sys.argv) > 2 else 0)
start = time.perf_counter()
for i in range(n):
    fd = os.open("/etc/hostname", os.O_RDONLY)
    os.read(fd, 64)
    os.close(fd)
    if i % 500 == 0:
        pid = os.fork()
        if pid == 0:
            os.execv("/bin/true", ["/bin/true"])
        os.waitpid(pid, 0)
print(f"loop {time.perf_counter() - start:.3f}")
