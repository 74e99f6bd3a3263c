#!/bin/sh
# Rewrites its own config in place with `sed -i` (a temp file renamed over it) every 0.7 s.
conf="$1/etc/app/app.conf"
mkdir -p "$1/etc/app"
printf 'gen=0\nmode=safe\n' > "$conf"
sleep 1.5
i=0
while [ $i -lt 20 ]; do
  i=$((i + 1))
  sed -i "s/^gen=.*/gen=$i/" "$conf"
  sleep 0.7
done
