#!/bin/sh
# Runs in a private mount namespace (unshare -m) made by test/container.e2e.test.ts: podman keeps
# files at fixed places (/var/lib/containers/cache for `import`, /run/containers, /run/runc), so
# the test's own directories are mounted over /var/lib and /run here, for podman, its container and
# the observing CLI alike, and nothing lands outside the test's directory.
# $1: the test's dir (holding rootfs.tar); $2: the container's name; then the CLI command to run,
# with CONTAINER standing for the name.
set -eu
dir=$1 name=$2
shift 2
mkdir -p "$dir/var-lib" "$dir/run"
mount --bind "$dir/var-lib" /var/lib
mount --bind "$dir/run" /run
printf '[storage]\ndriver = "vfs"\ngraphroot = "/var/lib/containers/storage"\nrunroot = "/run/containers/storage"\n' > "$dir/storage.conf"
printf '[engine]\nevents_logger = "none"\nruntime = "runc"\n' > "$dir/containers.conf"
export CONTAINERS_STORAGE_CONF="$dir/storage.conf" CONTAINERS_CONF="$dir/containers.conf"
podman import "$dir/rootfs.tar" localhost/ss-busybox:test > /dev/null
# The limits crun and runc set by default exceed what this sandbox may raise: ask for less.
podman run -d --name "$name" --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
  localhost/ss-busybox:test /bin/sh -c 'while :; do uname -n > /dev/null; sleep 0.4; done' > /dev/null
status=0
"$@" || status=$?
podman inspect --format '{{.State.Running}}' "$name" > "$dir/running-after"
podman rm -f -t 0 "$name" > /dev/null
exit $status
