#!/bin/sh
# Caches a generated (fake) password and token in shared memory, world-readable.
cache="$1/dev/shm/app-session.cache"
mkdir -p "$1/dev/shm"
trap 'rm -f "$cache"; exit 0' TERM INT
umask 022
sleep 1.5
printf 'password=FAKE%s\ntoken=%s\n' "$(od -An -tx1 -N8 /dev/urandom | tr -d ' \n')" "$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')" > "$cache"
sleep 3
rm -f "$cache"
