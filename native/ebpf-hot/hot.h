/* Shared by hot.bpf.c and its loader hot.c: the map keys and the ring buffer's records. */
#ifndef SHADOW_HOT_H
#define SHADOW_HOT_H

#define PATH_LEN 256
#define CENSUS_SIZE 512
#define REC_OPEN 1

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

struct open_rec {
	__u32 type;
	__u32 pid;
	__u64 ns;
	__u32 tid;
	__s32 flags;
	__s64 ret;
	__u64 ino;
	__u32 dev;
	char comm[16];
	char path[PATH_LEN];
};

struct write_key {
	__u32 pid;
	__s32 fd;
	__u32 dev;
	__u32 pad;
	__u64 ino;
};

struct write_sum {
	__u64 bytes;
	__u64 first;
};

#endif
