#!/bin/sh
# A shell copied to /tmp under a daemon's name and fed commands on its standard input.
# Expect: mutable-artifact-dependency, external-binary-execution.
# Must not: plaintext-secret-in-temp, config-file-modification.
R=$1
mkdir -p "$R/tmp"
cp /bin/dash "$R/tmp/sshd"
sleep 2
printf 'id > /dev/null\nuname -a > /dev/null\n' | "$R/tmp/sshd"
sleep 1
printf 'hostname > /dev/null\n' | "$R/tmp/sshd"
sleep 1.5
