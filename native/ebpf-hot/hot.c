// SPDX-License-Identifier: GPL-2.0
/*
 * shadow-ebpf-hot: loads hot.bpf.c for the observed tree and prints what it sees on stdout, in
 * the JSON lines `bpftrace -f json` prints for the same records, so that the eBPF sensor reads
 * both with one parser:
 *   {"type":"printf","data":"O\tNS\tPID\tTID\tCOMM\tFLAGS\tRET\tDEV\tINO\tPATH\n"}
 *   {"type":"map","data":{"@wb":{"PID,FD,DEV,INO":BYTES}}}   then the same for "@wt" (first ns)
 *   {"type":"map","data":{"@sc":{"NR":COUNT}}}                 (at a flush)
 *   {"type":"lost_events","data":{"events":N}}
 *   READY and FLUSHED as printf records.
 * Write sums are flushed every second and on SIGUSR1, which also prints the census and FLUSHED.
 *
 * Usage: shadow-ebpf-hot UNITS PID...   (UNITS: a comma list of open, write, syscalls)
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "hot.h"
#include "hot.skel.h"

static volatile sig_atomic_t flush_asked, stop_asked;
static void on_usr1(int sig) { (void)sig; flush_asked = 1; }
static void on_term(int sig) { (void)sig; stop_asked = 1; }

static unsigned long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* A string inside a JSON string inside a tab-separated record: tabs and newlines in a path
 * would split the record, so they are escaped by JSON like every control character. */
static void put_json_text(const char *s, size_t max)
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

static int on_record(void *ctx, void *data, size_t size)
{
	(void)ctx;
	const struct open_rec *r = data;
	if (size < sizeof(*r) || r->type != REC_OPEN)
		return 0;
	printf("{\"type\":\"printf\",\"data\":\"O\\t%llu\\t%u\\t%u\\t", (unsigned long long)r->ns, r->pid, r->tid);
	put_json_text(r->comm, sizeof(r->comm));
	printf("\\t%d\\t%lld\\t%u\\t%llu\\t", r->flags, (long long)r->ret, r->dev, (unsigned long long)r->ino);
	put_json_text(r->path, sizeof(r->path));
	printf("\\n\"}\n");
	return 0;
}

/* Prints and removes every write sum: each entry is taken with lookup-and-delete, so bytes added
 * after the read land in a new entry and are printed by the next flush, never lost. */
static void flush_writes(int fd)
{
	struct write_key key, next;
	struct write_sum sum;
	struct write_key *prev = NULL;
	char *wt = NULL;
	size_t wt_len = 0;
	FILE *firsts = open_memstream(&wt, &wt_len);
	bool any = false;
	char *wb = NULL;
	size_t wb_len = 0;
	FILE *sums = open_memstream(&wb, &wb_len);
	if (!sums || !firsts) {
		if (sums)
			fclose(sums);
		if (firsts)
			fclose(firsts);
		free(wb);
		free(wt);
		return;
	}
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_and_delete_elem(fd, &key, &sum) != 0)
			continue;
		fprintf(sums, "%s\"%u,%d,%u,%llu\":%llu", any ? "," : "", key.pid, key.fd, key.dev,
			(unsigned long long)key.ino, (unsigned long long)sum.bytes);
		fprintf(firsts, "%s\"%u,%d,%u,%llu\":%llu", any ? "," : "", key.pid, key.fd, key.dev,
			(unsigned long long)key.ino, (unsigned long long)sum.first);
		any = true;
		prev = NULL; /* the key is gone: start over from the first remaining one */
	}
	fclose(sums);
	fclose(firsts);
	/* Nothing written this second: no lines. The first times follow the sums, as bpftrace's
	 * print(@wb); print(@wt) does. */
	if (any) {
		printf("{\"type\":\"map\",\"data\":{\"@wb\":{%s}}}\n", wb);
		printf("{\"type\":\"map\",\"data\":{\"@wt\":{%s}}}\n", wt);
	}
	free(wb);
	free(wt);
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

static void print_census(int fd, int tree_fd, int ncpu)
{
	__u64 *per_cpu = calloc(ncpu, sizeof(__u64));
	unsigned long long counts[CENSUS_SIZE] = {0};
	bool any = false;
	if (!per_cpu)
		return;
	add_in_flight(tree_fd, counts);
	printf("{\"type\":\"map\",\"data\":{\"@sc\":{");
	for (__u32 nr = 0; nr < CENSUS_SIZE; nr++) {
		if (bpf_map_lookup_elem(fd, &nr, per_cpu) != 0)
			memset(per_cpu, 0, ncpu * sizeof(__u64));
		unsigned long long n = counts[nr];
		for (int c = 0; c < ncpu; c++)
			n += per_cpu[c];
		if (n) {
			printf("%s\"%u\":%llu", any ? "," : "", nr, n);
			any = true;
		}
	}
	printf("}}}\n");
	free(per_cpu);
}

/* Prints the records lost since the last call (ring buffer full, write map full). */
static void print_lost(int fd, int ncpu, unsigned long long *reported)
{
	__u64 *per_cpu = calloc(ncpu, sizeof(__u64));
	unsigned long long n = 0;
	if (!per_cpu)
		return;
	for (__u32 slot = 0; slot < 2; slot++)
		if (bpf_map_lookup_elem(fd, &slot, per_cpu) == 0)
			for (int c = 0; c < ncpu; c++)
				n += per_cpu[c];
	free(per_cpu);
	if (n > *reported)
		printf("{\"type\":\"lost_events\",\"data\":{\"events\":%llu}}\n", n - *reported);
	*reported = n;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s UNITS PID...  (UNITS: a comma list of open, write, syscalls)\n", argv[0]);
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

	struct hot_bpf *skel = hot_bpf__open();
	if (!skel) {
		fprintf(stderr, "cannot open the BPF object: %s\n", strerror(errno));
		return 1;
	}
	skel->rodata->do_open = strstr(argv[1], "open") != NULL;
	skel->rodata->do_write = strstr(argv[1], "write") != NULL;
	skel->rodata->do_census = strstr(argv[1], "syscalls") != NULL;
	int err = hot_bpf__load(skel);
	if (err) {
		fprintf(stderr, "cannot load the BPF programs: %s\n", strerror(-err));
		return 1;
	}
	__u8 one = 1;
	for (int i = 2; i < argc; i++) {
		__u32 pid = (__u32)strtoul(argv[i], NULL, 10);
		if (pid)
			bpf_map_update_elem(bpf_map__fd(skel->maps.tree), &pid, &one, BPF_ANY);
	}
	err = hot_bpf__attach(skel);
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
		err = ring_buffer__poll(rb, 100);
		if (err < 0 && err != -EINTR) {
			fprintf(stderr, "ring buffer poll failed: %s\n", strerror(-err));
			break;
		}
		bool asked = flush_asked;
		if (asked || now_ns() >= next_flush) {
			ring_buffer__consume(rb);
			if (skel->rodata->do_write)
				flush_writes(bpf_map__fd(skel->maps.writes));
			print_lost(bpf_map__fd(skel->maps.lost), ncpu, &lost_reported);
			next_flush = now_ns() + 1000000000ULL;
		}
		if (asked) {
			flush_asked = 0;
			if (skel->rodata->do_census)
				print_census(bpf_map__fd(skel->maps.census), bpf_map__fd(skel->maps.tree), ncpu);
			printf("{\"type\":\"printf\",\"data\":\"FLUSHED\\t%llu\\n\"}\n", now_ns());
		}
		if (fflush(stdout) != 0)
			break; /* the reader is gone */
	}
	ring_buffer__free(rb);
	hot_bpf__destroy(skel);
	return 0;
}
