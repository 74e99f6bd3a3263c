#!/bin/sh
# A script fetched from a loopback web server ($2 is its URL) into /tmp, then run.
# Expect: internal-socket-connection, mutable-artifact-dependency, external-binary-execution.
# Must not: plaintext-secret-in-temp, config-file-modification.
R=$1
mkdir -p "$R/tmp"
sleep 2
curl -fsS -o "$R/tmp/update.sh" "$2"
chmod +x "$R/tmp/update.sh"
"$R/tmp/update.sh"
sleep 2
