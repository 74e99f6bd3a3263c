#!/bin/sh
# An init script appended to (a line that runs a payload at boot). Expect:
# privileged-write-steady-state, config-file-modification.
# Must not: plaintext-secret-in-temp, mutable-artifact-dependency.
R=$1
mkdir -p "$R/etc/init.d"
printf '#!/bin/sh\n# Provides: netcfg\nexit 0\n' > "$R/etc/init.d/netcfg"
chmod 755 "$R/etc/init.d/netcfg"
sleep 2.5
echo '/usr/local/bin/.updater &' >> "$R/etc/init.d/netcfg"
sleep 2
