#!/bin/sh
# Fails and carries on without a word: a helper that does not exist, one that exits 1.
sleep 1.5
i=0
while [ $i -lt 6 ]; do
  i=$((i + 1))
  /nonexistent/sync-helper 2> /dev/null || :
  /bin/false || :
  sleep 0.8
done
