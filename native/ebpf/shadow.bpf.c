// SPDX-License-Identifier: GPL-2.0
/*
 * The eBPF sensor's kernel side: what src/sensors/ebpf/program.ts asks of bpftrace, as one CO-RE
 * program on BTF raw tracepoints.
 *
 * bpftrace 0.17 can reach syscalls only through perf-event tracepoints, and each hit of one costs
 * ~0.4 us before its program runs (bench/README.md); a tight open/read/close loop paid 1.6-2x for
 * it. Here every syscall of the observed tree is seen once, at the raw sys_exit tracepoint, and
 * dispatched on its number: on x86_64 the saved registers still hold the arguments at the exit
 * (only ax changes), so one call sees what was asked and what came of it, and no map carries
 * arguments from an entry probe. Processes, execs, signals and capability checks come from their
 * own raw tracepoints.
 *
 * What crosses to user space is what bpftrace's program sent: one record per distinct (pid, path,
 * flags, result) per second for opens; write sums per (pid, fd, file) and counters that the loader
 * reads from maps; a record per rare syscall.
 *
 * x86_64 only: syscall numbers and argument registers are that ABI's.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "shadow.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by the loader before load: which units run (U_* bits). */
const volatile __u32 units = 0;

#define ON(u) (units & (u))

/* The loader's count of seconds, which it advances through the mapped .bss: what tells one
 * second's opens from the next. A load, where bpf_ktime_get_ns() on every open reads the clock
 * source (tracing programs may not use the coarse clock). */
__u32 second = 0;
/* The epoch write sums are added under; the loader flips it to take the other's sums whole. */
__u32 write_epoch = 0;

enum {
	NR_WRITE = 1,
	NR_OPEN = 2,
	NR_PWRITE64 = 18,
	NR_WRITEV = 20,
	NR_CONNECT = 42,
	NR_ACCEPT = 43,
	NR_BIND = 49,
	NR_LISTEN = 50,
	NR_EXECVE = 59,
	NR_RENAME = 82,
	NR_CREAT = 85,
	NR_UNLINK = 87,
	NR_CHMOD = 90,
	NR_FCHMOD = 91,
	NR_CHOWN = 92,
	NR_FCHOWN = 93,
	NR_LCHOWN = 94,
	NR_SETUID = 105,
	NR_SETGID = 106,
	NR_SETSID = 112,
	NR_SETREUID = 113,
	NR_SETREGID = 114,
	NR_SETRESUID = 117,
	NR_SETRESGID = 119,
	NR_CAPSET = 126,
	NR_PRCTL = 157,
	NR_OPENAT = 257,
	NR_FCHOWNAT = 260,
	NR_UNLINKAT = 263,
	NR_RENAMEAT = 264,
	NR_FCHMODAT = 268,
	NR_UNSHARE = 272,
	NR_ACCEPT4 = 288,
	NR_SETNS = 308,
	NR_RENAMEAT2 = 316,
	NR_EXECVEAT = 322,
	NR_OPENAT2 = 437,
};

#define AT_FDCWD_ -100
#define PR_SET_NAME_ 15

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

/*
 * The last successful open each CPU recorded or found already seen, by what needs no read of the
 * caller's memory: (pid, flags, second, the caller's path pointer, the file opened). Reading the
 * path costs ~130 ns an open here; a loop reopening one file matches this instead. Two names for
 * one file (a link) passed in the same buffer within the same second are one record; a different
 * file, a failure, a new second or another buffer is looked at in full.
 */
struct open_shortcut {
	__u32 pid;
	__s32 flags;
	__u32 sec;
	__u32 dev;
	__u64 ptr;
	__u64 ino;
};
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct open_shortcut);
} last_open SEC(".maps");

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

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CAPS_SIZE);
	__type(key, __u32);
	__type(value, __u64);
} caps SEC(".maps");

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
	__uint(max_entries, 8 << 20);
} records SEC(".maps");

static __always_inline void count_in(void *map, __u32 k)
{
	__u64 *n = bpf_map_lookup_elem(map, &k);
	if (n)
		*n += 1;
}

static __always_inline void count_call(long nr)
{
	if (nr >= 0 && nr < CENSUS_SIZE)
		count_in(&census, nr);
}

/* Bumped on every change to the tree, so that a CPU's cached answer (below) is known stale. */
__u64 tree_generation = 1;

static __always_inline void tree_changed(void)
{
	__sync_fetch_and_add(&tree_generation, 1);
}

/* The last process each CPU asked about, and the answer: a syscall loop asks about the same
 * process again and again, and an array slot is cheaper than hashing into the tree each time. */
struct tree_answer {
	__u64 generation;
	__u32 tgid;
	__u32 member;
};
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tree_answer);
} last_answer SEC(".maps");

/*
 * A cgroup v2 subtree whose processes belong to the target too (observe --cgroup, --unit,
 * --container): its id (the inode of its directory) and its depth below the v2 root. 0: none, the
 * tree alone. A process of the subtree joins the tree on its first traced call, whether it was
 * forked there or moved there later; the tree then holds it, so that a member that leaves is
 * still followed, as a descendant would be.
 */
const volatile __u64 scope_cgroup = 0;
const volatile __u32 scope_level = 0;

static __always_inline bool in_scope(__u32 tgid)
{
	/* The helper answers for the current task: a question about another (a signal's receiver)
	 * is answered by the tree alone. */
	if (!scope_cgroup || tgid != (__u32)(bpf_get_current_pid_tgid() >> 32))
		return false;
	return bpf_get_current_ancestor_cgroup_id(scope_level) == scope_cgroup;
}

static __always_inline bool in_tree(__u32 tgid)
{
	__u32 zero = 0;
	struct tree_answer *a = bpf_map_lookup_elem(&last_answer, &zero);
	__u64 generation = tree_generation;
	/* A move into any cgroup bumps the generation (on_cgroup_attach): a cached "no" is then
	 * asked again, so a process moved into the scope is found at its next call. */
	if (a && a->tgid == tgid && a->generation == generation)
		return a->member;
	bool member = bpf_map_lookup_elem(&tree, &tgid) != NULL;
	if (!member && in_scope(tgid)) {
		__u8 one = 1;
		bpf_map_update_elem(&tree, &tgid, &one, BPF_ANY);
		tree_changed();
		generation = tree_generation;
		member = true;
	}
	if (a) {
		a->tgid = tgid;
		a->generation = generation;
		a->member = member;
	}
	return member;
}

extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

/*
 * The (device, inode) of the file behind fd of the current task, from its fd table. The walk is
 * plain loads through BTF pointers, with one helper call for the array slot: six
 * bpf_probe_read_kernel calls cost ~250 ns here, and a write pays this on every call.
 */
static __always_inline void file_of(int fd, __s64 *dev, __s64 *ino)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = task->files->fdt;
	struct file *raw = NULL;
	*dev = 0;
	*ino = 0;
	if (fd < 0 || (unsigned int)fd >= fdt->max_fds)
		return;
	bpf_probe_read_kernel(&raw, sizeof(raw), fdt->fd + fd);
	if (!raw)
		return;
	struct file *f = bpf_rdonly_cast(raw, bpf_core_type_id_kernel(struct file));
	struct inode *inode = f->f_inode;
	*dev = inode->i_sb->s_dev;
	*ino = inode->i_ino;
}

/*
 * Hands a record to the loader. Only a new program (an exec) wakes it at once: the process's /proc
 * entries are read as the record arrives, before a short-lived process is gone, and the fork
 * before it comes in the same batch, so the recorder reads the child once. The rest waits for the
 * loader's next poll (50 ms) or for the buffer to fill past a quarter; a wake-up per record cost
 * the target a cross-CPU interrupt each, for a loop of opens.
 */
static __always_inline void submit(void *r, bool urgent)
{
	__u64 flags = urgent || bpf_ringbuf_query(&records, BPF_RB_AVAIL_DATA) > (2 << 20)
			      ? BPF_RB_FORCE_WAKEUP
			      : BPF_RB_NO_WAKEUP;
	bpf_ringbuf_submit(r, flags);
}

/* A record of the current task, reserved in the ring buffer (counted as lost if it is full). */
static __always_inline struct rec *new_rec(__u32 type, long nr, long ret)
{
	struct rec *r = bpf_ringbuf_reserve(&records, sizeof(*r), 0);
	if (!r) {
		count_in(&lost, 0);
		return NULL;
	}
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	r->type = type;
	r->pid = pid_tgid >> 32;
	r->tid = (__u32)pid_tgid;
	r->nr = nr;
	r->ns = bpf_ktime_get_ns();
	r->ret = ret;
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	r->s1[0] = 0;
	r->s2[0] = 0;
	return r;
}

/* A syscall with its numbers and up to two user strings, e.g. rename(old, new). */
static __always_inline void call(long nr, long ret, __s64 a0, __s64 a1, __s64 a2, __s64 a3,
				 __u64 str1, __u64 str2)
{
	struct rec *r = new_rec(REC_CALL, nr, ret);
	if (!r)
		return;
	r->a[0] = a0;
	r->a[1] = a1;
	r->a[2] = a2;
	r->a[3] = a3;
	if (str1)
		bpf_probe_read_user_str(r->s1, sizeof(r->s1), (void *)str1);
	if (str2)
		bpf_probe_read_user_str(r->s2, sizeof(r->s2), (void *)str2);
	submit(r, false);
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

static __always_inline void opened(long nr, __u64 ptr, __s32 flags, long ret)
{
	__u32 zero = 0;
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	__s64 dev = 0, ino = 0;
	struct open_shortcut *last = NULL;
	if (ret >= 0) {
		file_of(ret, &dev, &ino);
		last = bpf_map_lookup_elem(&last_open, &zero);
		if (last && ino && last->ino == (__u64)ino && last->ptr == ptr && last->pid == pid &&
		    last->flags == flags && last->sec == second && last->dev == (__u32)dev)
			return;
	}
	struct path_buf *buf = bpf_map_lookup_elem(&scratch, &zero);
	if (!buf)
		return;
	long len = bpf_probe_read_user_str(buf->words, sizeof(buf->words), (void *)ptr);
	if (len < 0)
		len = 0;
	struct open_key k = {
		.pid = pid,
		.flags = flags,
		.ret = ret < 0 ? ret : 0,
		.sec = second,
		.path_hash = hash_path(buf, len),
		.path_len = len,
	};
	bool seen_before = bpf_map_lookup_elem(&seen, &k) != NULL;
	/* Look first: an LRU map's update takes a free node before it checks for the key. */
	__u8 one = 1;
	if (!seen_before && bpf_map_update_elem(&seen, &k, &one, BPF_NOEXIST) != 0)
		seen_before = true; /* another CPU saw it first */
	if (!seen_before) {
		struct rec *r = new_rec(REC_OPEN, nr, ret);
		if (!r) {
			bpf_map_delete_elem(&seen, &k); /* so that the next identical open is tried again */
			return;
		}
		r->a[0] = flags;
		r->a[1] = dev;
		r->a[2] = ino;
		__builtin_memcpy(r->s1, buf->words, sizeof(r->s1));
		r->s1[PATH_LEN - 1] = 0;
		submit(r, false);
	}
	if (last && ino) {
		last->pid = pid;
		last->flags = flags;
		last->sec = second;
		last->dev = dev;
		last->ptr = ptr;
		last->ino = ino;
	}
}

static __always_inline void written(int fd, long ret)
{
	if (ret <= 0)
		return;
	__s64 dev, ino;
	file_of(fd, &dev, &ino);
	struct write_key k = {
		.pid = bpf_get_current_pid_tgid() >> 32,
		.fd = fd,
		.dev = dev,
		.epoch = write_epoch,
		.ino = ino,
	};
	struct write_sum *s = bpf_map_lookup_elem(&writes, &k);
	if (s) {
		__sync_fetch_and_add(&s->bytes, ret);
		return;
	}
	struct write_sum fresh = {.bytes = ret, .first = bpf_ktime_get_ns()};
	if (bpf_map_update_elem(&writes, &k, &fresh, BPF_NOEXIST) == 0)
		return;
	s = bpf_map_lookup_elem(&writes, &k); /* another CPU made it first, or the map is full */
	if (s)
		__sync_fetch_and_add(&s->bytes, ret);
	else
		count_in(&lost, 1);
}

/* A socket address: the family, the first 24 bytes raw (decoded in user space), a unix path. */
static __always_inline void sockaddr_call(long nr, long ret, int fd, __u64 addr)
{
	struct rec *r = new_rec(REC_CALL, nr, ret);
	if (!r)
		return;
	__u16 family = 0;
	bpf_probe_read_user(&family, sizeof(family), (void *)addr);
	r->a[0] = fd;
	r->a[1] = family;
	__builtin_memset(r->s2, 0, 24);
	bpf_probe_read_user(r->s2, 24, (void *)addr);
	if (family == 1 /* AF_UNIX */)
		bpf_probe_read_user_str(r->s1, sizeof(r->s1), (void *)(addr + 2));
	submit(r, false);
}

/* A failed exec: the caller's memory is still there, so its program and arguments are read one
 * string at a time, stopping at argv's NULL (reading past it would walk into envp and leak the
 * environment, which can hold secrets). */
static __always_inline void exec_failed(__u64 filename, __u64 argv)
{
	struct exec_rec *r = bpf_ringbuf_reserve(&records, sizeof(*r), 0);
	if (!r) {
		count_in(&lost, 0);
		return;
	}
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	r->type = REC_EXEC;
	r->pid = pid_tgid >> 32;
	r->tid = (__u32)pid_tgid;
	r->packed = 0;
	r->script = 0;
	r->block_len = 0;
	r->ns = bpf_ktime_get_ns();
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	r->filename[0] = 0;
	bpf_probe_read_user_str(r->filename, sizeof(r->filename), (void *)filename);
	__u32 argc = 0;
	for (__u32 i = 0; i < MAX_ARGS; i++) {
		__u64 p = 0;
		if (bpf_probe_read_user(&p, sizeof(p), (void *)(argv + i * 8)) != 0 || !p)
			break;
		r->args[i * ARG_LEN] = 0;
		bpf_probe_read_user_str(&r->args[i * ARG_LEN], ARG_LEN, (void *)p);
		argc = i + 1;
	}
	r->argc = argc;
	submit(r, true);
}

/*
 * Every syscall of the tree, at its exit: counted, then dispatched on its number.
 */
SEC("tp_btf/sys_exit")
int BPF_PROG(on_sys_exit, struct pt_regs *regs, long ret)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	if (!in_tree(tgid))
		return 0;
	/* regs is a trusted BTF pointer here: plain loads, not bpf_probe_read_kernel calls, which
	 * measured ~100 ns more per syscall when every argument was read that way. */
	long nr = regs->orig_ax;
	if (ON(U_SYSCALLS))
		count_call(nr);
#define di (regs->di)
#define si (regs->si)
#define dx (regs->dx)
#define r10 (regs->r10)
	switch (nr) {
	case NR_WRITE:
	case NR_WRITEV:
	case NR_PWRITE64:
		if (ON(U_WRITE))
			written(di, ret);
		return 0;
	case NR_OPENAT:
		if (ON(U_OPEN))
			opened(nr, si, dx, ret);
		return 0;
	case NR_OPEN:
		if (ON(U_OPEN))
			opened(nr, di, si, ret);
		return 0;
	case NR_CREAT:
		if (ON(U_OPEN))
			opened(nr, di, 0x241 /* O_CREAT|O_WRONLY|O_TRUNC */, ret);
		return 0;
	case NR_OPENAT2:
		if (ON(U_OPEN)) {
			__u64 how_flags = 0; /* struct open_how's first field */
			bpf_probe_read_user(&how_flags, sizeof(how_flags), (void *)dx);
			opened(nr, si, (__s32)how_flags, ret);
		}
		return 0;
	case NR_EXECVE:
	case NR_EXECVEAT:
		/* A successful one was recorded by on_exec, with the new image's arguments. */
		if (ret < 0)
			exec_failed(nr == NR_EXECVE ? di : si, nr == NR_EXECVE ? si : dx);
		{
			struct rec *r = new_rec(REC_EXEC_RET, nr, ret);
			if (r)
				submit(r, false);
		}
		return 0;
	case NR_SETSID:
		if (ON(U_SETSID))
			call(nr, ret, 0, 0, 0, 0, 0, 0);
		return 0;
	case NR_PRCTL:
		if (ON(U_COMM) && (int)di == PR_SET_NAME_)
			call(nr, ret, 0, 0, 0, 0, si, 0);
		return 0;
	case NR_SETUID:
	case NR_SETGID:
		if (ON(U_CRED))
			call(nr, ret, (int)di, (int)di, 0, 0, 0, 0);
		return 0;
	case NR_SETREUID:
	case NR_SETREGID:
	case NR_SETRESUID:
	case NR_SETRESGID:
		if (ON(U_CRED))
			call(nr, ret, (int)di, (int)si, 0, 0, 0, 0);
		return 0;
	case NR_CAPSET:
		if (ON(U_CRED))
			call(nr, ret, -1, -1, 0, 0, 0, 0);
		return 0;
	case NR_UNSHARE:
		if (ON(U_NS))
			call(nr, ret, di, 0, 0, 0, 0, 0);
		return 0;
	case NR_SETNS:
		if (ON(U_NS))
			call(nr, ret, (__u32)si, 0, 0, 0, 0, 0);
		return 0;
	case NR_RENAME:
		if (ON(U_RENAME))
			call(nr, ret, AT_FDCWD_, AT_FDCWD_, 0, 0, di, si);
		return 0;
	case NR_RENAMEAT:
	case NR_RENAMEAT2:
		if (ON(U_RENAME))
			call(nr, ret, (int)di, (int)dx, 0, 0, si, r10);
		return 0;
	case NR_UNLINK:
		if (ON(U_UNLINK))
			call(nr, ret, AT_FDCWD_, 0, 0, 0, di, 0);
		return 0;
	case NR_UNLINKAT:
		if (ON(U_UNLINK))
			call(nr, ret, (int)di, 0, 0, 0, si, 0);
		return 0;
	case NR_CHMOD: /* a0 mode, a1 dirfd or fd, s1 path ("" for fchmod) */
		if (ON(U_CHMOD))
			call(nr, ret, (__u32)si, AT_FDCWD_, 0, 0, di, 0);
		return 0;
	case NR_FCHMODAT:
		if (ON(U_CHMOD))
			call(nr, ret, (__u32)dx, (int)di, 0, 0, si, 0);
		return 0;
	case NR_FCHMOD:
		if (ON(U_CHMOD))
			call(nr, ret, (__u32)si, (int)di, 0, 0, 0, 0);
		return 0;
	case NR_CHOWN: /* a0 user, a1 group, a2 dirfd or fd, s1 path ("" for fchown) */
	case NR_LCHOWN:
		if (ON(U_CHOWN))
			call(nr, ret, (int)si, (int)dx, AT_FDCWD_, 0, di, 0);
		return 0;
	case NR_FCHOWNAT:
		if (ON(U_CHOWN))
			call(nr, ret, (int)dx, (int)r10, (int)di, 0, si, 0);
		return 0;
	case NR_FCHOWN:
		if (ON(U_CHOWN))
			call(nr, ret, (int)si, (int)dx, (int)di, 0, 0, 0);
		return 0;
	case NR_CONNECT:
	case NR_BIND:
		if (ON(U_NET))
			sockaddr_call(nr, ret, di, si);
		return 0;
	case NR_LISTEN:
		if (ON(U_NET))
			call(nr, ret, (int)di, 0, 0, 0, 0, 0);
		return 0;
	case NR_ACCEPT:
	case NR_ACCEPT4:
		if (ON(U_NET) && ret >= 0)
			call(nr, ret, 0, 0, 0, 0, 0, 0);
		return 0;
	}
#undef di
#undef si
#undef dx
#undef r10
	return 0;
}

/*
 * A successful exec: the program as the caller named it, and the arguments the new image was
 * given, NUL separated, read where the kernel put them (they end where the environment starts,
 * so no environment variable is read). For a script the kernel has replaced argv[0] with the
 * interpreter and its argument: `script` says so, and the loader puts the caller's argv back
 * together from there. A perf-event tracepoint on execve's entry would have the caller's argv as
 * it was, but any syscall entry tracepoint costs every syscall of the machine (~5% on the
 * reference workload, bench/README.md).
 */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = p->tgid;
	if (!in_tree(tgid))
		return 0;
	struct exec_rec *r = bpf_ringbuf_reserve(&records, sizeof(*r), 0);
	if (!r) {
		count_in(&lost, 0);
		return 0;
	}
	r->type = REC_EXEC;
	r->pid = tgid;
	r->tid = p->pid;
	r->ns = bpf_ktime_get_ns();
	r->argc = 0;
	r->packed = 1;
	r->script = bprm->interp != bprm->filename;
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	r->filename[0] = 0;
	bpf_probe_read_kernel_str(r->filename, sizeof(r->filename), bprm->filename);
	struct mm_struct *mm = p->mm;
	__u64 start = mm->arg_start, end = mm->arg_end;
	__u64 len = end > start ? end - start : 0;
	if (len > sizeof(r->args) - 1)
		len = sizeof(r->args) - 1;
	len &= ARGS_BLOCK - 1; /* what the verifier needs to see to bound the read */
	r->block_len = 0;
	if (len > 0 && bpf_probe_read_user(r->args, len, (void *)start) == 0)
		r->block_len = len;
	submit(r, true);
	return 0;
}

/* A task moved to another cgroup (cgroup.procs written): every cached answer is stale, since it
 * may have entered the scope. Loaded only with a scope; moves are rare. */
SEC("tp_btf/cgroup_attach_task")
int BPF_PROG(on_cgroup_attach, struct cgroup *dst_cgrp, const char *path, struct task_struct *task,
	     bool threadgroup)
{
	tree_changed();
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = parent->tgid;
	if (!in_tree(ptgid))
		return 0;
	__u32 c = child->tgid;
	__u8 one = 1;
	if (c != ptgid) {
		bpf_map_update_elem(&tree, &c, &one, BPF_ANY);
		tree_changed();
	}
	if (child->pid != child->tgid)
		return 0; /* a new thread, not a process */
	struct rec *r = new_rec(REC_FORK, 0, 0);
	if (!r)
		return 0;
	r->a[0] = child->pid;
	submit(r, false); /* comes with the exec that most often follows (see submit) */
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_task_exit, struct task_struct *task)
{
	__u32 tgid = task->tgid;
	if (!in_tree(tgid))
		return 0;
	/* The call it dies in never reaches sys_exit: exit, exit_group, or the one a signal ended. */
	if (ON(U_SYSCALLS))
		count_call(BPF_CORE_READ((struct pt_regs *)bpf_task_pt_regs(task), orig_ax));
	if (task->pid != task->tgid)
		return 0;
	bpf_map_delete_elem(&tree, &tgid);
	tree_changed();
	struct rec *r = new_rec(REC_EXIT, 0, 0);
	if (!r)
		return 0;
	r->a[0] = task->exit_code;
	submit(r, false);
	return 0;
}

SEC("tp_btf/signal_generate")
int BPF_PROG(on_signal, int sig, struct kernel_siginfo *info, struct task_struct *task, int group,
	     int result)
{
	if (!ON(U_SIGNAL))
		return 0;
	__u32 tgid = task->tgid;
	if (!in_tree(tgid))
		return 0;
	struct rec *r = new_rec(REC_SIGNAL, 0, 0);
	if (!r)
		return 0;
	/* The receiver is the record's process; the sender is the current one. */
	r->a[0] = sig;
	r->a[1] = r->pid;
	r->pid = task->pid;
	r->tid = task->pid;
	bpf_probe_read_kernel_str(r->comm, sizeof(r->comm), task->comm);
	submit(r, false);
	return 0;
}

SEC("tp_btf/cap_capable")
int BPF_PROG(on_capable, const struct cred *cred, struct user_namespace *target_ns,
	     const struct user_namespace *capable_ns, int cap, int ret)
{
	if (!ON(U_CAPS) || !in_tree(bpf_get_current_pid_tgid() >> 32))
		return 0;
	if (cap >= 0 && cap < CAPS_SIZE / 2)
		count_in(&caps, cap * 2 + (ret != 0 ? 1 : 0));
	return 0;
}
