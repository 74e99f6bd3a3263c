#!/bin/sh
# Benign control: an unprivileged writer in its own 0700 directory ($2), a few writes at irregular
# times. Expect: nothing. Must not: privileged-write-steady-state, config-file-modification,
# mutable-artifact-dependency, plaintext-secret-in-temp, periodic-autonomous-activity,
# child-without-isolation.
sleep 1.5
for s in 0.3 1.7 0.4 2.2; do
  date > "$2/state"
  sleep "$s"
done
