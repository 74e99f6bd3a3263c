// SPDX-License-Identifier: GPL-2.0
/*
 * shadow-ebpf: loads shadow.bpf.c for the observed tree and prints what it sees on stdout, as the
 * JSON lines `bpftrace -f json` prints for src/sensors/ebpf/program.ts, so that the eBPF sensor
 * reads either with one parser (src/sensors/ebpf/records.ts):
 *   {"type":"printf","data":"KIND\tNS\tPID\tTID\tCOMM\t...\n"}     one record
 *   {"type":"map","data":{"@wb":{"PID,FD,DEV,INO":BYTES}}}         write sums, then "@wt" (first ns)
 *   {"type":"map","data":{"@sc":{"NR":COUNT}}} and "@cap"          counters (at a flush)
 *   {"type":"lost_events","data":{"events":N}}
 *   READY, then FLUSHED after each flush asked for.
 * Write sums are printed every second; SIGUSR1 asks for a flush: every record before it, the write
 * sums, the counters, then FLUSHED. SIGTERM or SIGINT end it.
 *
 * Usage: shadow-ebpf UNITS PID...   (UNITS: a comma list of program.ts's unit names)
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/membarrier.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "shadow.h"
#include "shadow.skel.h"

static volatile sig_atomic_t flush_asked, stop_asked;
static void on_usr1(int sig) { (void)sig; flush_asked = 1; }
static void on_term(int sig) { (void)sig; stop_asked = 1; }

static unsigned long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static const struct {
	const char *name;
	__u32 bit;
} UNIT_NAMES[] = {
	{"setsid", U_SETSID}, {"comm", U_COMM},	      {"cred", U_CRED},		{"ns", U_NS},
	{"open", U_OPEN},     {"write", U_WRITE},     {"rename", U_RENAME},	{"unlink", U_UNLINK},
	{"chmod", U_CHMOD},   {"chown", U_CHOWN},     {"net", U_NET},		{"signal", U_SIGNAL},
	{"syscalls", U_SYSCALLS}, {"caps", U_CAPS},
};

static __u32 parse_units(const char *list)
{
	__u32 bits = 0;
	char *copy = strdup(list), *save = NULL;
	for (char *u = strtok_r(copy, ",", &save); u; u = strtok_r(NULL, ",", &save))
		for (size_t i = 0; i < sizeof(UNIT_NAMES) / sizeof(UNIT_NAMES[0]); i++)
			if (strcmp(u, UNIT_NAMES[i].name) == 0)
				bits |= UNIT_NAMES[i].bit;
	free(copy);
	return bits;
}

/* The names bpftrace's records carry, by x86_64 syscall number. */
static const char *syscall_name(int nr)
{
	switch (nr) {
	case 2: return "open";
	case 42: return "connect";
	case 43: return "accept";
	case 49: return "bind";
	case 50: return "listen";
	case 59: return "execve";
	case 82: return "rename";
	case 85: return "creat";
	case 87: return "unlink";
	case 90: return "chmod";
	case 91: return "fchmod";
	case 92: return "chown";
	case 93: return "fchown";
	case 94: return "lchown";
	case 105: return "setuid";
	case 106: return "setgid";
	case 112: return "setsid";
	case 113: return "setreuid";
	case 114: return "setregid";
	case 117: return "setresuid";
	case 119: return "setresgid";
	case 126: return "capset";
	case 157: return "prctl";
	case 257: return "openat";
	case 260: return "fchownat";
	case 263: return "unlinkat";
	case 264: return "renameat";
	case 268: return "fchmodat";
	case 272: return "unshare";
	case 288: return "accept4";
	case 308: return "setns";
	case 316: return "renameat2";
	case 322: return "execveat";
	case 437: return "openat2";
	default: return "?";
	}
}

/* A string inside a JSON string inside a tab-separated record: tabs and newlines in a path would
 * split the record, so they are escaped by JSON like every control character. */
static void put_text(const char *s, size_t max)
{
	for (size_t i = 0; i < max && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
}

/* The start of a printf record: {"type":"printf","data":"KIND\tNS\tPID\tTID\tCOMM */
static void head(const char *kind, unsigned long long ns, __u32 pid, __u32 tid, const char *comm)
{
	printf("{\"type\":\"printf\",\"data\":\"%s\\t%llu\\t%u\\t%u\\t", kind, ns, pid, tid);
	put_text(comm, 16);
}

static void tail(void) { printf("\\n\"}\n"); }

static void rec_head(const char *kind, const struct rec *r) { head(kind, r->ns, r->pid, r->tid, r->comm); }

/* The Z record that completes a syscall's record (records.ts pairs them by thread). */
static void result(const struct rec *r)
{
	rec_head("Z", r);
	printf("\\t%s\\t%lld", syscall_name(r->nr), (long long)r->ret);
	tail();
}

static void print_call(const struct rec *r)
{
	const char *name = syscall_name(r->nr);
	switch (r->nr) {
	case 112: /* setsid */
		rec_head("SS", r);
		printf("\\t%lld", (long long)r->ret);
		tail();
		return;
	case 157: /* prctl(PR_SET_NAME) */
		rec_head("PN", r);
		printf("\\t");
		put_text(r->s1, sizeof(r->s1));
		tail();
		return;
	case 105: case 106: case 113: case 114: case 117: case 119: case 126:
		rec_head("CR", r);
		printf("\\t%s\\t%lld\\t%lld", name, (long long)r->a[0], (long long)r->a[1]);
		break;
	case 272: case 308:
		rec_head("NS", r);
		printf("\\t%s\\t%llx", name, (unsigned long long)r->a[0]);
		break;
	case 82: case 264: case 316:
		rec_head("RN", r);
		printf("\\t%s\\t%lld\\t", name, (long long)r->a[0]);
		put_text(r->s1, sizeof(r->s1));
		tail();
		rec_head("RM", r);
		printf("\\t%s\\t%lld\\t", name, (long long)r->a[1]);
		put_text(r->s2, sizeof(r->s2));
		break;
	case 87: case 263:
		rec_head("UL", r);
		printf("\\t%s\\t%lld\\t", name, (long long)r->a[0]);
		put_text(r->s1, sizeof(r->s1));
		break;
	case 90: case 91: case 268:
		rec_head("CM", r);
		printf("\\t%s\\t%llo\\t%lld\\t", name, (unsigned long long)r->a[0], (long long)r->a[1]);
		put_text(r->s1, sizeof(r->s1));
		break;
	case 92: case 93: case 94: case 260:
		rec_head("CO", r);
		printf("\\t%s\\t%lld\\t%lld\\t%lld\\t", name, (long long)r->a[0], (long long)r->a[1],
		       (long long)r->a[2]);
		put_text(r->s1, sizeof(r->s1));
		break;
	case 42: case 49: {
		const unsigned char *raw = (const unsigned char *)r->s2;
		rec_head("NT", r);
		printf("\\t%s\\t%lld\\t%lld\\t", name, (long long)r->a[0], (long long)r->a[1]);
		for (int i = 0; i < 24; i++)
			printf("\\\\x%02x", raw[i]);
		if (r->a[1] == 1 /* AF_UNIX */) {
			tail();
			rec_head("NU", r);
			printf("\\t%s\\t", name);
			put_text(r->s1, sizeof(r->s1));
		}
		break;
	}
	case 50:
		rec_head("LS", r);
		printf("\\t%lld", (long long)r->a[0]);
		tail();
		return;
	case 43: case 288:
		rec_head("AC", r);
		printf("\\t%lld", (long long)r->ret);
		tail();
		return;
	default:
		return;
	}
	tail();
	result(r);
}

static void print_arg(const struct exec_rec *x, unsigned index, const char *arg, size_t max)
{
	head("XA", x->ns, x->pid, x->tid, x->comm);
	printf("\\t%u\\t", index);
	put_text(arg, max < ARG_LEN - 1 ? max : ARG_LEN - 1);
	tail();
}

static void print_exec(const struct exec_rec *x)
{
	head("XE", x->ns, x->pid, x->tid, x->comm);
	printf("\\t");
	put_text(x->filename, sizeof(x->filename));
	tail();
	if (!x->packed) {
		for (__u32 i = 0; i < x->argc && i < MAX_ARGS; i++)
			print_arg(x, i, x->args + i * ARG_LEN, ARG_LEN);
		return;
	}
	/* The new image's block: split at NULs. */
	const char *args[MAX_ARGS + 3];
	size_t lens[MAX_ARGS + 3];
	unsigned n = 0;
	for (__u32 at = 0; at < x->block_len && n < MAX_ARGS + 3; n++) {
		args[n] = x->args + at;
		lens[n] = strnlen(args[n], x->block_len - at);
		at += lens[n] + 1;
	}
	/* A script: the kernel made it [interpreter, its argument?, the script as named, the
	 * caller's argv[1]...]. The caller's argv[0] is gone; the script's name stands for it. */
	unsigned from = 0;
	if (x->script)
		for (unsigned i = 1; i <= 2 && i < n; i++)
			if (strncmp(args[i], x->filename, sizeof(x->filename)) == 0 && lens[i] == strnlen(x->filename, sizeof(x->filename))) {
				from = i;
				break;
			}
	for (unsigned i = from, out = 0; i < n && out < MAX_ARGS; i++, out++)
		print_arg(x, out, args[i], lens[i]);
}

static int on_record(void *ctx, void *data, size_t size)
{
	(void)ctx;
	__u32 type = size >= sizeof(__u32) ? *(const __u32 *)data : 0;
	if (type == REC_EXEC && size >= sizeof(struct exec_rec)) {
		print_exec(data);
		return 0;
	}
	if (size < sizeof(struct rec))
		return 0;
	const struct rec *r = data;
	switch (type) {
	case REC_OPEN:
		rec_head("O", r);
		printf("\\t%d\\t%lld\\t%llu\\t%llu\\t", (int)r->a[0], (long long)r->ret, (unsigned long long)r->a[1],
		       (unsigned long long)r->a[2]);
		put_text(r->s1, sizeof(r->s1));
		tail();
		break;
	case REC_CALL:
		print_call(r);
		break;
	case REC_EXEC_RET:
		rec_head("XR", r);
		printf("\\t%lld", (long long)r->ret);
		tail();
		break;
	case REC_FORK:
		rec_head("F", r);
		printf("\\t%lld", (long long)r->a[0]);
		tail();
		break;
	case REC_EXIT:
		rec_head("E", r);
		printf("\\t%lld", (long long)r->a[0]);
		tail();
		break;
	case REC_SIGNAL:
		rec_head("SG", r);
		printf("\\t%lld\\t%lld", (long long)r->a[0], (long long)r->a[1]);
		tail();
		break;
	}
	return 0;
}

/* Waits until every program that started before the call has ended: BPF programs on tracepoints
 * run inside an RCU read-side section, and MEMBARRIER_CMD_GLOBAL waits an RCU grace period. */
static void wait_for_running_programs(void)
{
	if (syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) != 0)
		usleep(20000); /* nohz_full kernels refuse it; a program runs for microseconds */
}

/* Prints and removes the write sums of one epoch. Writers add to a sum in place, so a sum taken
 * while it is written to could lose the bytes added after the read (and a writer that makes the
 * key again in the same pass would print it twice, one JSON key hiding the other). So the loader
 * points writers at the other epoch first, waits for any still adding to this one, and then takes
 * this epoch's sums, which nothing changes any more. */
static void flush_writes(struct shadow_bpf *skel)
{
	int fd = bpf_map__fd(skel->maps.writes);
	__u32 epoch = skel->bss->write_epoch;
	skel->bss->write_epoch = epoch ^ 1;
	wait_for_running_programs();

	struct write_key *keys = NULL, cur, next, *prev = NULL;
	size_t n = 0, cap = 0;
	for (; bpf_map_get_next_key(fd, prev, &next) == 0; cur = next, prev = &cur) {
		if (next.epoch != epoch)
			continue;
		if (n == cap) {
			struct write_key *more = realloc(keys, (cap = cap ? cap * 2 : 256) * sizeof(*keys));
			if (!more)
				break; /* the rest waits for the next flush of this epoch */
			keys = more;
		}
		keys[n++] = next;
	}

	char *wb = NULL, *wt = NULL;
	size_t wb_len = 0, wt_len = 0;
	FILE *sums = open_memstream(&wb, &wb_len), *firsts = open_memstream(&wt, &wt_len);
	bool any = false;
	for (size_t i = 0; i < n && sums && firsts; i++) {
		struct write_sum sum;
		struct write_key *k = &keys[i];
		if (bpf_map_lookup_and_delete_elem(fd, k, &sum) != 0)
			continue;
		fprintf(sums, "%s\"%u,%d,%u,%llu\":%llu", any ? "," : "", k->pid, k->fd, k->dev,
			(unsigned long long)k->ino, (unsigned long long)sum.bytes);
		fprintf(firsts, "%s\"%u,%d,%u,%llu\":%llu", any ? "," : "", k->pid, k->fd, k->dev,
			(unsigned long long)k->ino, (unsigned long long)sum.first);
		any = true;
	}
	free(keys);
	if (sums)
		fclose(sums);
	if (firsts)
		fclose(firsts);
	/* Nothing written since the last flush: no lines. The first times follow the sums, as
	 * bpftrace's print(@wb); print(@wt) does. */
	if (any && wb && wt) {
		printf("{\"type\":\"map\",\"data\":{\"@wb\":{%s}}}\n", wb);
		printf("{\"type\":\"map\",\"data\":{\"@wt\":{%s}}}\n", wt);
	}
	free(wb);
	free(wt);
}

/* Sums a per-CPU counter slot; false if it cannot be read. */
static bool per_cpu_sum(int fd, __u32 slot, __u64 *per_cpu, int ncpu, unsigned long long *out)
{
	*out = 0;
	if (bpf_map_lookup_elem(fd, &slot, per_cpu) != 0)
		return false;
	for (int c = 0; c < ncpu; c++)
		*out += per_cpu[c];
	return true;
}

/*
 * Adds the syscall each thread of the tree is blocked in now: counted at its exit, it would be
 * missing from a census taken while a daemon waits in epoll_wait, and a seccomp allow-list made
 * from that census would kill the daemon at its first wake-up.
 */
static void add_in_flight(int tree_fd, unsigned long long *counts)
{
	__u32 key, next, *prev = NULL;
	char dir[64], file[384], line[64];
	while (bpf_map_get_next_key(tree_fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		snprintf(dir, sizeof(dir), "/proc/%u/task", key);
		DIR *d = opendir(dir);
		if (!d)
			continue;
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] < '0' || e->d_name[0] > '9')
				continue;
			snprintf(file, sizeof(file), "%s/%s/syscall", dir, e->d_name);
			FILE *f = fopen(file, "re");
			if (!f)
				continue;
			/* "NR ARGS..." when blocked in a syscall; "running" or "-1 ..." otherwise. */
			if (fgets(line, sizeof(line), f) && line[0] >= '0' && line[0] <= '9') {
				unsigned long nr = strtoul(line, NULL, 10);
				if (nr < CENSUS_SIZE)
					counts[nr]++;
			}
			fclose(f);
		}
		closedir(d);
	}
}

/* The counters, as bpftrace's print(@sc) and print(@cap) print them: each the session so far. */
static void print_counters(struct shadow_bpf *skel, __u32 units, int ncpu)
{
	__u64 *per_cpu = calloc(ncpu, sizeof(__u64));
	if (!per_cpu)
		return;
	if (units & U_SYSCALLS) {
		static unsigned long long counts[CENSUS_SIZE];
		bool any = false;
		memset(counts, 0, sizeof(counts));
		add_in_flight(bpf_map__fd(skel->maps.tree), counts);
		printf("{\"type\":\"map\",\"data\":{\"@sc\":{");
		for (__u32 nr = 0; nr < CENSUS_SIZE; nr++) {
			unsigned long long n = 0;
			per_cpu_sum(bpf_map__fd(skel->maps.census), nr, per_cpu, ncpu, &n);
			if (n + counts[nr] == 0)
				continue;
			printf("%s\"%u\":%llu", any ? "," : "", nr, n + counts[nr]);
			any = true;
		}
		printf("}}}\n");
	}
	if (units & U_CAPS) {
		bool any = false;
		printf("{\"type\":\"map\",\"data\":{\"@cap\":{");
		for (__u32 slot = 0; slot < CAPS_SIZE; slot++) {
			unsigned long long n = 0;
			if (!per_cpu_sum(bpf_map__fd(skel->maps.caps), slot, per_cpu, ncpu, &n) || n == 0)
				continue;
			printf("%s\"%u,%u\":%llu", any ? "," : "", slot / 2, slot % 2, n);
			any = true;
		}
		printf("}}}\n");
	}
	free(per_cpu);
}

/* Prints the records lost since the last call (ring buffer full, write map full). */
static void print_lost(int fd, int ncpu, unsigned long long *reported)
{
	__u64 *per_cpu = calloc(ncpu, sizeof(__u64));
	unsigned long long n = 0, slot_n;
	if (!per_cpu)
		return;
	for (__u32 slot = 0; slot < 2; slot++)
		if (per_cpu_sum(fd, slot, per_cpu, ncpu, &slot_n))
			n += slot_n;
	free(per_cpu);
	if (n > *reported)
		printf("{\"type\":\"lost_events\",\"data\":{\"events\":%llu}}\n", n - *reported);
	*reported = n;
}

/* libbpf's messages (the verifier's log among them) are kept, and shown only if loading fails for
 * good: a first attempt refused for a reason we handle is not an error. */
static char libbpf_log[8192];
static size_t libbpf_log_len;
static int keep_libbpf_message(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	if (libbpf_log_len >= sizeof(libbpf_log) - 1)
		libbpf_log_len = 0; /* keep the end, where the cause is */
	int n = vsnprintf(libbpf_log + libbpf_log_len, sizeof(libbpf_log) - libbpf_log_len, fmt, args);
	if (n > 0)
		libbpf_log_len += (size_t)n < sizeof(libbpf_log) - libbpf_log_len ? (size_t)n : sizeof(libbpf_log) - 1 - libbpf_log_len;
	return n;
}

/* The cgroup v2 subtree the tree includes (an argument cgroup:ID:LEVEL), 0 for none. */
static __u64 scope_cgroup;
static __u32 scope_level;

/* Opens and loads the program for `units`; NULL (and a message) if the kernel refuses it. */
static struct shadow_bpf *load(__u32 units)
{
	struct shadow_bpf *skel = shadow_bpf__open();
	if (!skel) {
		fprintf(stderr, "cannot open the BPF object: %s\n", strerror(errno));
		return NULL;
	}
	skel->rodata->units = units;
	skel->rodata->scope_cgroup = scope_cgroup;
	skel->rodata->scope_level = scope_level;
	/* Programs of units not asked for are not loaded: their tracepoints cost nothing then. */
	bpf_program__set_autoload(skel->progs.on_signal, (units & U_SIGNAL) != 0);
	bpf_program__set_autoload(skel->progs.on_capable, (units & U_CAPS) != 0);
	bpf_program__set_autoload(skel->progs.on_cgroup_attach, scope_cgroup != 0);
	libbpf_log_len = 0;
	int err = shadow_bpf__load(skel);
	if (err) {
		shadow_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s UNITS PID|cgroup:ID:LEVEL...  (UNITS: a comma list, e.g. open,write,syscalls)\n", argv[0]);
		return 2;
	}
	pid_t parent = getppid();
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		return 1; /* our parent died before the line above: die with it */
	signal(SIGUSR1, on_usr1);
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);

	__u32 units = parse_units(argv[1]);
	for (int i = 2; i < argc; i++) {
		unsigned long long id;
		unsigned int level;
		if (sscanf(argv[i], "cgroup:%llu:%u", &id, &level) == 2) {
			scope_cgroup = id;
			scope_level = level;
		}
	}
	libbpf_set_print(keep_libbpf_message);
	struct shadow_bpf *skel = load(units);
	if (!skel && (units & U_CAPS)) {
		/* cap_capable's arguments changed in Linux 6.13: an older kernel refuses that program. */
		fprintf(stderr, "capability checks not counted: this kernel's cap_capable tracepoint differs\n");
		units &= ~U_CAPS;
		skel = load(units);
	}
	if (!skel) {
		fprintf(stderr, "%.*s", (int)libbpf_log_len, libbpf_log);
		fprintf(stderr, "cannot load the BPF programs (the kernel's verifier log is above)\n");
		return 1;
	}
	__u8 one = 1;
	for (int i = 2; i < argc; i++) {
		__u32 pid = (__u32)strtoul(argv[i], NULL, 10);
		if (pid)
			bpf_map_update_elem(bpf_map__fd(skel->maps.tree), &pid, &one, BPF_ANY);
	}
	int err = shadow_bpf__attach(skel);
	if (err) {
		fprintf(stderr, "cannot attach the BPF programs: %s\n", strerror(-err));
		return 1;
	}
	struct ring_buffer *rb = ring_buffer__new(bpf_map__fd(skel->maps.records), on_record, NULL, NULL);
	if (!rb) {
		fprintf(stderr, "cannot open the ring buffer: %s\n", strerror(errno));
		return 1;
	}
	int ncpu = libbpf_num_possible_cpus();
	unsigned long long lost_reported = 0;
	printf("{\"type\":\"printf\",\"data\":\"READY\\t%llu\\n\"}\n", now_ns());
	fflush(stdout);

	unsigned long long next_flush = now_ns() + 1000000000ULL;
	while (!stop_asked) {
		/* Woken for a new process or a filling buffer (see submit() in shadow.bpf.c); the
		 * rest is taken every 50 ms. */
		err = ring_buffer__poll(rb, 50);
		if (err >= 0 || err == -EINTR)
			err = ring_buffer__consume(rb);
		if (err < 0 && err != -EINTR) {
			fprintf(stderr, "ring buffer poll failed: %s\n", strerror(-err));
			break;
		}
		bool asked = flush_asked;
		skel->bss->second = now_ns() / 1000000000ULL;
		if (asked || now_ns() >= next_flush) {
			ring_buffer__consume(rb);
			/* A flush asked for takes both epochs: what was written up to the request. */
			for (int e = 0; (units & U_WRITE) && e < (asked ? 2 : 1); e++)
				flush_writes(skel);
			print_lost(bpf_map__fd(skel->maps.lost), ncpu, &lost_reported);
			next_flush = now_ns() + 1000000000ULL;
		}
		if (asked) {
			flush_asked = 0;
			print_counters(skel, units, ncpu);
			printf("{\"type\":\"printf\",\"data\":\"FLUSHED\\t%llu\\n\"}\n", now_ns());
		}
		if (fflush(stdout) != 0)
			break; /* the reader is gone */
	}
	ring_buffer__free(rb);
	shadow_bpf__destroy(skel);
	return 0;
}
