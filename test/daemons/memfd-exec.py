# Runs a program from memory: /bin/sleep copied into a memfd, exec'd through its fd (fexecve),
# by a child named like a kernel thread. It stays the child of its creator.
import os, time
time.sleep(0.5)
fd = os.memfd_create("kworker", 0)
os.write(fd, open("/bin/sleep", "rb").read())
pid = os.fork()
if pid == 0:
    os.execve(fd, ["[kworker/0:1]", "1"], {})
os.waitpid(pid, 0)
