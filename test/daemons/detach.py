"""Classic daemonization: fork, setsid, fork again, and the middle process exits; the grandchild
renames itself like a kernel thread and lives on a few seconds after its parent is gone."""
import ctypes, os, time

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        ctypes.CDLL(None).prctl(15, b"[kthreadd/9]", 0, 0, 0)
        time.sleep(5)
        os._exit(0)
    os._exit(0)
time.sleep(1)
