#!/usr/bin/env bash
# What each real Debian daemon shows, sensor by sensor: the table in the README's coverage section.
# As root, after `npm run setup`: bash scripts/real-daemon-coverage.sh
# Each daemon runs in the foreground with the same minimal config as test/real-daemons.e2e.test.ts
# (cron is left out here: it needs minutes per sensor; its test runs it with every sensor).
set -euo pipefail
cd "$(dirname "$0")/.."
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
chmod 755 "$t"
port=$((40000 + RANDOM % 20000))
cat >"$t/monitrc" <<CONF
set daemon 2
set pidfile $t/monit.pid
set idfile $t/monit.id
set statefile $t/monit.state
set log $t/monit.log
check program probe with path "/bin/sh -c 'date > /dev/null'"
  if status != 0 then alert
CONF
chmod 600 "$t/monitrc"
cat >"$t/nginx.conf" <<CONF
user nobody nogroup;
worker_processes 2;
pid $t/nginx.pid;
error_log $t/error.log;
events { worker_connections 64; }
http {
  access_log $t/access.log;
  client_body_temp_path $t/cb; proxy_temp_path $t/px; fastcgi_temp_path $t/fc; uwsgi_temp_path $t/uw; scgi_temp_path $t/sc;
  server { listen 127.0.0.1:$port; location / { return 200 "ok\n"; } }
}
CONF
printf '#!/bin/sh\nh=$(hostname)\nid -u > /dev/null\necho "PUTVAL \\"$h/exec-probe/gauge-value\\" interval=2 N:1"\n' >"$t/probe.sh"
chmod 755 "$t/probe.sh"
cat >"$t/collectd.conf" <<CONF
Hostname "shadow-test"
FQDNLookup false
Interval 2
BaseDir "$t"
PIDFile "$t/collectd.pid"
PluginDir "/usr/lib/collectd"
TypesDB "/usr/share/collectd/types.db"
LoadPlugin logfile
<Plugin logfile>
  File "$t/collectd.log"
</Plugin>
LoadPlugin exec
<Plugin exec>
  Exec "nobody" "$t/probe.sh"
</Plugin>
CONF
found() { node -e 'const r=require(process.argv[1]); console.log(r.findings.map(f=>f.behavior).join(", ") || "nothing")' "$1/report.json"; }
for sensor in ebpf ptrace procfs; do
  bin/shadow-signals observe --sensors $sensor --duration 14 --root "$t" --out "$t/monit-$sensor" -- monit -I -c "$t/monitrc" >/dev/null 2>&1
  echo "monit    $sensor: $(found "$t/monit-$sensor")"
  (sleep 5; for i in 1 2 3 4; do curl -s "http://127.0.0.1:$port/" >/dev/null || true; sleep 0.7; done) &
  bin/shadow-signals observe --sensors $sensor --duration 12 --root "$t" --out "$t/nginx-$sensor" -- nginx -c "$t/nginx.conf" -g 'daemon off;' >/dev/null 2>&1
  wait
  echo "nginx    $sensor: $(found "$t/nginx-$sensor")"
  bin/shadow-signals observe --sensors $sensor --duration 14 --root "$t" --out "$t/collectd-$sensor" -- collectd -f -C "$t/collectd.conf" >/dev/null 2>&1
  echo "collectd $sensor: $(found "$t/collectd-$sensor")"
done
