#!/bin/sh
# A hidden dot-directory in /var/tmp holding a payload script that the daemon runs.
# Expect: mutable-artifact-dependency, external-binary-execution.
# Must not: plaintext-secret-in-temp, privileged-write-steady-state.
R=$1
mkdir -p "$R/var/tmp/...  /.x"
printf '#!/bin/sh\nuname -n > /dev/null\n' > "$R/var/tmp/...  /.x/run.sh"
chmod 700 "$R/var/tmp/...  /.x/run.sh"
sleep 2
/bin/sh "$R/var/tmp/...  /.x/run.sh"
sleep 1
"$R/var/tmp/...  /.x/run.sh"
sleep 1.5
