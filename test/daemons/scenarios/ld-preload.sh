#!/bin/sh
# LD_PRELOAD of a library from /var/tmp into a program the daemon runs. $2 is the library, built
# by the test from hook.c. Expect: mutable-artifact-dependency, external-binary-execution.
# Must not: plaintext-secret-in-temp, hidden-orphan-process.
R=$1
mkdir -p "$R/var/tmp/.cache"
cp "$2" "$R/var/tmp/.cache/libsys.so"
sleep 2
i=0
while [ $i -lt 3 ]; do
  i=$((i + 1))
  LD_PRELOAD="$R/var/tmp/.cache/libsys.so" /usr/bin/id > /dev/null
  sleep 0.7
done
sleep 1
