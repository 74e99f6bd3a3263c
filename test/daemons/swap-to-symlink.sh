#!/bin/sh
# Hostile: writes DIR/tmp/d/x, then at once replaces DIR/tmp/d with a symlink to a private dir that
# holds another file named x. A capture by path would read the private file instead.
set -e
mkdir -p "$1/tmp/d"
sleep 0.5
echo "harmless note" > "$1/tmp/d/x"
mv "$1/tmp/d" "$1/tmp/d.old"
ln -s "$1/private" "$1/tmp/d"
sleep 2
