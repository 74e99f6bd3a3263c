#!/bin/sh
# A helper without #! that the kernel refuses (ENOEXEC); the shell falls back to running it itself,
# and nothing says so. Expect: silent-failure-fallback, external-binary-execution.
# Must not: plaintext-secret-in-temp, hidden-orphan-process.
R=$1
mkdir -p "$R/opt/d"
printf 'uname -n > /dev/null\n' > "$R/opt/d/helper"
chmod 755 "$R/opt/d/helper"
sleep 2
i=0
while [ $i -lt 3 ]; do
  i=$((i + 1))
  "$R/opt/d/helper"
  sleep 0.8
done
sleep 1.5
