#!/usr/bin/env bash
# Sets up Shadow Signals on a Debian machine with Node.js 20: the sensors' tools (strace, bpftrace)
# when we are root and they are missing, the npm dependencies, and the build.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v strace >/dev/null 2>&1 || missing+=(strace)
command -v bpftrace >/dev/null 2>&1 || missing+=(bpftrace)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing ${missing[*]} from Debian's packages" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: ${missing[*]} not installed; the sensors that need them will say so (run as root to install)" >&2
  fi
fi

# The eBPF sensor needs syscall tracepoints, which bpftrace finds through tracefs.
if [ "$(id -u)" = 0 ] && [ -d /sys/kernel/tracing ] && [ ! -d /sys/kernel/tracing/events ]; then
  mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null && echo "setup: mounted tracefs at /sys/kernel/tracing" >&2 || true
fi

npm ci --no-audit --no-fund --loglevel=error
npm run --silent build
echo "setup: done; try: bin/shadow-signals --help" >&2
