#!/bin/sh
# Persistence through cron, as attack suites do it: a root daemon writes a job into cron.d, later
# rewrites it. Expect: privileged-write-steady-state, config-file-modification.
# Must not: plaintext-secret-in-temp, hidden-orphan-process.
R=$1
mkdir -p "$R/etc/cron.d"
sleep 2
printf '* * * * * root /var/tmp/.sync\n' > "$R/etc/cron.d/sync-job"
sleep 1.5
printf '*/5 * * * * root /var/tmp/.sync --quiet\n' > "$R/etc/cron.d/sync-job"
sleep 2
