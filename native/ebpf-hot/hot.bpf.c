// SPDX-License-Identifier: GPL-2.0
/*
 * The eBPF sensor's hot path: opens, writes and the syscall census of the observed tree.
 *
 * bpftrace 0.17 can only reach syscalls through perf-event tracepoints, and each hit of one costs
 * ~0.4 us before the program runs (bench/README.md). These programs sit on the BTF raw tracepoints
 * sys_enter and sys_exit instead: one cheap call per syscall, dispatched on its number. What
 * crosses to user space is what bpftrace's program sent: one record per distinct (pid, path, flags,
 * result) per second for opens, and write sums per (pid, fd, file) that the loader reads from the
 * map. Rare syscalls (exec, connect, setuid...) stay in bpftrace, on their own tracepoints.
 *
 * x86_64 only: syscall numbers and argument registers are that ABI's.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "hot.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by the loader before load: which units run. */
const volatile bool do_open = false;
const volatile bool do_write = false;
const volatile bool do_census = false;

#define NR_WRITE 1
#define NR_OPEN 2
#define NR_PWRITE64 18
#define NR_WRITEV 20
#define NR_CREAT 85
#define NR_OPENAT 257
#define NR_OPENAT2 437

/* The observed tree, by thread-group id: seeded by the loader, extended on fork. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u8);
} tree SEC(".maps");

/* Opens seen this second: a loop reopening one file is a lookup here, not a record. LRU, so a
 * flood of distinct paths evicts old seconds instead of failing. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 32768);
	__type(key, struct open_key);
	__type(value, __u8);
} seen SEC(".maps");

/* A path read from the caller's memory, in whole words so that it can be hashed a word at a time. */
struct path_buf {
	__u64 words[PATH_LEN / 8];
};
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct path_buf);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct write_key);
	__type(value, struct write_sum);
} writes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CENSUS_SIZE);
	__type(key, __u32);
	__type(value, __u64);
} census SEC(".maps");

/* Records the ring buffer had no room for, per CPU (slot 0), and write sums the map had no room
 * for (slot 1). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} records SEC(".maps");

static __always_inline void count_lost(__u32 slot)
{
	__u64 *n = bpf_map_lookup_elem(&lost, &slot);
	if (n)
		*n += 1;
}

static __always_inline void count_call(long nr)
{
	if (nr < 0 || nr >= CENSUS_SIZE)
		return;
	__u32 k = nr;
	__u64 *n = bpf_map_lookup_elem(&census, &k);
	if (n)
		*n += 1;
}

/* The (device, inode) of the file behind fd of the current task, from its fd table. */
static __always_inline void file_of(int fd, __u32 *dev, __u64 *ino)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds = BPF_CORE_READ(fdt, fd);
	unsigned int max = BPF_CORE_READ(fdt, max_fds);
	struct file *f = NULL;
	*dev = 0;
	*ino = 0;
	if (fd < 0 || (unsigned int)fd >= max)
		return;
	bpf_probe_read_kernel(&f, sizeof(f), fds + fd);
	if (!f)
		return;
	*dev = BPF_CORE_READ(f, f_inode, i_sb, s_dev);
	*ino = BPF_CORE_READ(f, f_inode, i_ino);
}

/* A 64-bit hash of the first len bytes of buf (FNV-1a's constants over words, with a final mix);
 * the bytes after the string's end are stale from an earlier path and are masked out. */
static __always_inline __u64 hash_path(const struct path_buf *buf, __u32 len)
{
	__u64 h = 0xcbf29ce484222325ULL;
	for (__u32 i = 0; i < PATH_LEN / 8; i++) {
		if (i * 8 >= len)
			break;
		__u64 w = buf->words[i];
		__u32 left = len - i * 8;
		if (left < 8)
			w &= (1ULL << (left * 8)) - 1;
		h = (h ^ w) * 0x100000001b3ULL;
		h ^= h >> 31;
	}
	return h;
}

static __always_inline void opened(__u64 ptr, __s32 flags, long ret, __u64 now)
{
	__u32 zero = 0;
	struct path_buf *buf = bpf_map_lookup_elem(&scratch, &zero);
	if (!buf)
		return;
	long len = bpf_probe_read_user_str(buf->words, sizeof(buf->words), (void *)ptr);
	if (len < 0)
		len = 0;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct open_key k = {
		.pid = pid_tgid >> 32,
		.flags = flags,
		.ret = ret < 0 ? ret : 0,
		.sec = now / 1000000000ULL,
		.path_hash = hash_path(buf, len),
		.path_len = len,
	};
	/* Look first: an LRU map's update takes a free node before it checks for the key. */
	if (bpf_map_lookup_elem(&seen, &k))
		return; /* seen this second */
	__u8 one = 1;
	if (bpf_map_update_elem(&seen, &k, &one, BPF_NOEXIST) != 0)
		return; /* another CPU saw it first */
	struct open_rec *r = bpf_ringbuf_reserve(&records, sizeof(*r), 0);
	if (!r) {
		/* Forget it, so that the next identical open is tried again. */
		bpf_map_delete_elem(&seen, &k);
		count_lost(0);
		return;
	}
	r->type = REC_OPEN;
	r->ns = now;
	r->pid = k.pid;
	r->tid = (__u32)pid_tgid;
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	r->flags = flags;
	r->ret = ret;
	file_of(ret < 0 ? -1 : ret, &r->dev, &r->ino);
	__builtin_memcpy(r->path, buf->words, sizeof(r->path));
	r->path[PATH_LEN - 1] = 0;
	bpf_ringbuf_submit(r, 0);
}

static __always_inline void written(int fd, long ret, __u64 now)
{
	if (ret <= 0)
		return;
	struct write_key k = {
		.pid = bpf_get_current_pid_tgid() >> 32,
		.fd = fd,
	};
	file_of(fd, &k.dev, &k.ino);
	struct write_sum *s = bpf_map_lookup_elem(&writes, &k);
	if (s) {
		__sync_fetch_and_add(&s->bytes, ret);
		return;
	}
	struct write_sum fresh = {.bytes = ret, .first = now};
	if (bpf_map_update_elem(&writes, &k, &fresh, BPF_NOEXIST) == 0)
		return;
	s = bpf_map_lookup_elem(&writes, &k); /* another CPU made it first, or the map is full */
	if (s)
		__sync_fetch_and_add(&s->bytes, ret);
	else
		count_lost(1);
}

/*
 * Every syscall of the tree, at its exit. x86_64 keeps the arguments in the saved registers until
 * the return (only ax changes), so one program sees both what was asked and what came of it, and
 * no map has to carry the arguments from the entry: sys_enter is not attached at all.
 */
SEC("tp_btf/sys_exit")
int BPF_PROG(on_exit, struct pt_regs *regs, long ret)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	if (!bpf_map_lookup_elem(&tree, &tgid))
		return 0;
	long nr = BPF_CORE_READ(regs, orig_ax);
	if (do_census)
		count_call(nr);
	if (do_write && (nr == NR_WRITE || nr == NR_WRITEV || nr == NR_PWRITE64)) {
		written(BPF_CORE_READ(regs, di), ret, bpf_ktime_get_ns());
	} else if (do_open && nr == NR_OPENAT) {
		opened(BPF_CORE_READ(regs, si), BPF_CORE_READ(regs, dx), ret, bpf_ktime_get_ns());
	} else if (do_open && nr == NR_OPEN) {
		opened(BPF_CORE_READ(regs, di), BPF_CORE_READ(regs, si), ret, bpf_ktime_get_ns());
	} else if (do_open && nr == NR_CREAT) {
		opened(BPF_CORE_READ(regs, di), 0x241 /* O_CREAT|O_WRONLY|O_TRUNC */, ret, bpf_ktime_get_ns());
	} else if (do_open && nr == NR_OPENAT2) {
		__u64 how_flags = 0; /* struct open_how's first field */
		bpf_probe_read_user(&how_flags, sizeof(how_flags), (void *)BPF_CORE_READ(regs, dx));
		opened(BPF_CORE_READ(regs, si), (__s32)how_flags, ret, bpf_ktime_get_ns());
	}
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = parent->tgid;
	if (!bpf_map_lookup_elem(&tree, &ptgid))
		return 0;
	__u32 c = child->tgid;
	__u8 one = 1;
	bpf_map_update_elem(&tree, &c, &one, BPF_ANY);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit_task, struct task_struct *task)
{
	__u32 tgid = task->tgid;
	if (!bpf_map_lookup_elem(&tree, &tgid))
		return 0;
	/* The call it dies in never reaches sys_exit: exit, exit_group, or the one a signal ended. */
	if (do_census)
		count_call(BPF_CORE_READ((struct pt_regs *)bpf_task_pt_regs(task), orig_ax));
	if (task->pid == task->tgid) {
		bpf_map_delete_elem(&tree, &tgid);
	}
	return 0;
}
