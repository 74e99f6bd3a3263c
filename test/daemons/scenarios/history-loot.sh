#!/bin/sh
# Credentials looted from a shell history into /tmp. $2 is a fake history the test wrote (in
# root/.bash_history under the test's root), with fake tokens. Expect: plaintext-secret-in-temp.
# Must not: mutable-artifact-dependency (a history is data), config-file-modification.
R=$1
mkdir -p "$R/tmp/.l"
sleep 2
grep -iE 'token|password|secret' "$R/root/.bash_history" > "$R/tmp/.l/h.txt"
sleep 2
