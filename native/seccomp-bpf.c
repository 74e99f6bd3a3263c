/*
 * seccomp-bpf: compiles an allow-list into the raw BPF program that bubblewrap's --seccomp FD
 * loads, with libseccomp (Debian: libseccomp-dev). Every syscall named is allowed; any other
 * fails with EPERM, as the OCI profile's SCMP_ACT_ERRNO default says.
 *
 *   seccomp-bpf OUT.bpf SYSCALL...
 *
 * OUT is created new (O_EXCL|O_NOFOLLOW, 0600): never a file someone planted.
 * Built by scripts/setup.sh: cc -O2 -o build/seccomp-bpf native/seccomp-bpf.c -lseccomp
 */
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s OUT.bpf SYSCALL...\n", argv[0]);
    return 2;
  }
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
  if (!ctx) {
    fprintf(stderr, "seccomp_init failed\n");
    return 1;
  }
  for (int i = 2; i < argc; i++) {
    int nr = seccomp_syscall_resolve_name(argv[i]);
    if (nr == __NR_SCMP_ERROR) {
      fprintf(stderr, "unknown syscall: %s\n", argv[i]);
      return 1;
    }
    int rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
    if (rc < 0) {
      fprintf(stderr, "cannot allow %s: %s\n", argv[i], strerror(-rc));
      return 1;
    }
  }
  int fd = open(argv[1], O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    fprintf(stderr, "%s: %s\n", argv[1], strerror(errno));
    return 1;
  }
  int rc = seccomp_export_bpf(ctx, fd);
  if (rc < 0 || close(fd) < 0) {
    fprintf(stderr, "cannot write %s: %s\n", argv[1], strerror(rc < 0 ? -rc : errno));
    return 1;
  }
  seccomp_release(ctx);
  return 0;
}
