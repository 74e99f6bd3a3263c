#!/usr/bin/env bash
# Sets up Shadow Signals on a Debian machine with Node.js 20: the sensors' tools (strace, bpftrace,
# and clang, bpftool, libbpf-dev for the eBPF sensor's hot path),
# the real daemons the live tests observe (monit, cron, nginx, collectd, supervisor), the tools `harden` checks
# its profiles with and replays them under (systemd-analyze, apparmor_parser, scmp_sys_resolver,
# bwrap, libseccomp-dev), nats-server for the fleet and Debian's chromium for the browser tests, when we are root and they are missing, the npm dependencies, the seccomp
# helper, and the build.
set -euo pipefail
cd "$(dirname "$0")/.."

# The sensors' tools, then the real daemons the live tests observe (test/real-daemons.e2e.test.ts).
missing=()
command -v strace >/dev/null 2>&1 || missing+=(strace)
command -v bpftrace >/dev/null 2>&1 || missing+=(bpftrace)
# The eBPF sensor's hot path (native/ebpf-hot): a CO-RE program and its libbpf loader.
command -v clang >/dev/null 2>&1 || missing+=(clang)
command -v bpftool >/dev/null 2>&1 || missing+=(bpftool)
[ -e /usr/include/bpf/libbpf.h ] || missing+=(libbpf-dev)
command -v monit >/dev/null 2>&1 || missing+=(monit)
command -v cron >/dev/null 2>&1 || missing+=(cron)
command -v nginx >/dev/null 2>&1 || missing+=(nginx-light)
command -v collectd >/dev/null 2>&1 || missing+=(collectd-core)
command -v supervisord >/dev/null 2>&1 || missing+=(supervisor)
# observe --container: Debian's podman with runc (crun refuses this hybrid cgroup layout), and
# busybox-static for the image the test builds offline with `podman import`.
command -v podman >/dev/null 2>&1 || missing+=(podman)
command -v runc >/dev/null 2>&1 || missing+=(runc)
[ -e /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1 || missing+=(busybox-static)
# harden: offline checks of the generated profiles, and the replay sandbox.
command -v systemd-analyze >/dev/null 2>&1 || missing+=(systemd)
command -v apparmor_parser >/dev/null 2>&1 || missing+=(apparmor)
command -v scmp_sys_resolver >/dev/null 2>&1 || missing+=(seccomp)
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
[ -e /usr/include/seccomp.h ] || missing+=(libseccomp-dev)
command -v cc >/dev/null 2>&1 || missing+=(gcc)
# The fleet's bus (observe --publish, collect): its tests start their own nats-server -js.
command -v nats-server >/dev/null 2>&1 || missing+=(nats-server)
# The browser tests of report.html and the dashboard: Debian's chromium, never a downloaded build.
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing ${missing[*]} from Debian's packages" >&2
    apt-get update -qq
    # Installed, not started: the tests start each daemon themselves and stop it by its pid. A
    # policy-rc.d that refuses service starts is put in place for the install unless one is there.
    ours=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && ours=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null || status=$?
    [ -n "$ours" ] && rm -f /usr/sbin/policy-rc.d
    [ "${status:-0}" = 0 ] || { echo "setup: apt-get install failed" >&2; exit 1; }
  else
    echo "setup: ${missing[*]} not installed; the sensors that need them will say so (run as root to install)" >&2
  fi
fi

# The eBPF sensor needs syscall tracepoints, which bpftrace finds through tracefs.
if [ "$(id -u)" = 0 ] && [ -d /sys/kernel/tracing ] && [ ! -d /sys/kernel/tracing/events ]; then
  mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null && echo "setup: mounted tracefs at /sys/kernel/tracing" >&2 || true
fi

# The replay's seccomp helper: compiles an allow-list to the BPF program bubblewrap loads.
if [ -e /usr/include/seccomp.h ] && command -v cc >/dev/null 2>&1; then
  mkdir -p build
  cc -O2 -Wall -o build/seccomp-bpf native/seccomp-bpf.c -lseccomp
else
  echo "setup: libseccomp-dev or cc missing: harden --replay will say so" >&2
fi

# The eBPF sensor's hot path: opens, writes and the syscall census on the raw sys_exit tracepoint.
# Without it the sensor runs every probe through bpftrace (slower on a busy target) and says so.
if [ "$(uname -m)" = x86_64 ] && command -v clang >/dev/null 2>&1 && command -v bpftool >/dev/null 2>&1 &&
  [ -e /usr/include/bpf/libbpf.h ] && [ -r /sys/kernel/btf/vmlinux ]; then
  bash scripts/build-ebpf.sh || echo "setup: the eBPF hot path did not build: the eBPF sensor will use bpftrace alone" >&2
else
  echo "setup: clang, bpftool, libbpf-dev or kernel BTF missing: the eBPF sensor will use bpftrace alone" >&2
fi

npm ci --no-audit --no-fund --loglevel=error
npm run --silent build
echo "setup: done; try: bin/shadow-signals --help" >&2
