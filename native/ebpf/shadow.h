/* Shared by shadow.bpf.c and its loader loader.c: units, map keys and the ring buffer's records. */
#ifndef SHADOW_EBPF_H
#define SHADOW_EBPF_H

#define PATH_LEN 256
#define CENSUS_SIZE 512
#define CAPS_SIZE 128 /* capability * 2 + denied */
#define MAX_ARGS 8
#define ARG_LEN 200
#define ARGS_BLOCK 2048

/* The program's units (src/sensors/ebpf/program.ts names them), as bits of `units`. */
#define U_SETSID (1u << 0)
#define U_COMM (1u << 1)
#define U_CRED (1u << 2)
#define U_NS (1u << 3)
#define U_OPEN (1u << 4)
#define U_WRITE (1u << 5)
#define U_RENAME (1u << 6)
#define U_UNLINK (1u << 7)
#define U_CHMOD (1u << 8)
#define U_CHOWN (1u << 9)
#define U_NET (1u << 10)
#define U_SIGNAL (1u << 11)
#define U_SYSCALLS (1u << 12)
#define U_CAPS (1u << 13)

enum rec_type {
	REC_OPEN = 1,  /* nr, s1 path, a0 flags, ret, a1 dev, a2 ino */
	REC_CALL,      /* a syscall with up to two strings and four numbers, and its result */
	REC_FORK,      /* a0 child pid */
	REC_EXIT,      /* a0 exit code */
	REC_SIGNAL,    /* pid/comm: the receiver; a0 signal, a1 sender's pid */
	REC_EXEC,      /* struct exec_rec */
	REC_EXEC_RET,  /* ret */
};

/* An open as de-duplicated: the path as a 64-bit hash of its bytes, so the key is 32 bytes to
 * hash and compare, not 272 (measured: the long key made each open cost twice as much). */
struct open_key {
	__u32 pid;
	__s32 flags;
	__s32 ret;
	__u32 sec;
	__u64 path_hash;
	__u32 path_len;
	__u32 pad;
};

struct rec {
	__u32 type;
	__u32 pid;
	__u32 tid;
	__s32 nr;
	__u64 ns;
	__s64 ret;
	__s64 a[4];
	char comm[16];
	char s1[PATH_LEN];
	char s2[PATH_LEN];
};

/* An exec: the program as the caller named it, and its arguments, either the new image's block,
 * NUL separated (`packed`, a successful exec), or read one by one from the caller's argv, ARG_LEN
 * apart (a failed exec). */
struct exec_rec {
	__u32 type;
	__u32 pid;
	__u32 tid;
	__u32 argc;
	__u64 ns;
	__u16 packed;
	__u16 script; /* the kernel ran an interpreter: the block starts with its name and argument */
	__u32 block_len;
	char comm[16];
	char filename[PATH_LEN];
	char args[ARGS_BLOCK]; /* at least MAX_ARGS * ARG_LEN; a power of two for the verifier */
};

struct write_key {
	__u32 pid;
	__s32 fd;
	__u32 dev;
	__u32 epoch; /* which flush will take it: see flush_writes() in loader.c */
	__u64 ino;
};

struct write_sum {
	__u64 bytes;
	__u64 first;
};

#endif
