#!/bin/sh
# A program run through a link in /tmp named like a trusted daemon: $2 is an ELF interpreter
# (python), linked as httpd. Expect: hidden-orphan-process (masquerade), external-binary-execution.
# Must not: plaintext-secret-in-temp, config-file-modification.
R=$1
mkdir -p "$R/tmp/.w"
ln -sf "$2" "$R/tmp/.w/httpd"
sleep 2
"$R/tmp/.w/httpd" -c 'import time; time.sleep(3)'
sleep 1
