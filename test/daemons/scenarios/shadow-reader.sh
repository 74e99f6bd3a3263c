#!/bin/sh
# Benign control: a root daemon that reads /etc/shadow only when asked (a line on its FIFO, $2).
# Expect: nothing. Must not: periodic-autonomous-activity, privileged-write-steady-state,
# config-file-modification, mutable-artifact-dependency, plaintext-secret-in-temp, hidden-orphan-process.
while read -r _ < "$2"; do
  wc -l < /etc/shadow > /dev/null
done
