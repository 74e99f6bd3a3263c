/**
 * observe --container on a real podman container (Debian's podman, runc), its image built offline
 * from Debian's busybox-static with `podman import`, never pulled. Podman, the container and the
 * observing CLI run in a private mount namespace where the test's dirs stand for /var/lib and /run
 * (test/daemons/container-session.sh), so nothing is written outside the test's dir.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, symlinkSync } from "node:fs";
import path from "node:path";
import type { ShadowEvent } from "../src/events/schema.js";
import { fileURLToPath } from "node:url";
import { isRoot, withTmpDir } from "../src/testing/cli.js";
import { BIN } from "../src/testing/imd-process.js";
import { readSessionEvents } from "../src/testing/session-files.js";

const has = (bin: string) => spawnSync("sh", ["-c", `command -v ${bin}`]).status === 0;
const BUSYBOX = "/bin/busybox";
const skip = !isRoot
  ? "needs root to run a container"
  : !has("podman") || !has("runc")
    ? "podman or runc is not installed (scripts/setup.sh installs them)"
    : spawnSync("sh", [
          "-c",
          `file -L ${BUSYBOX} 2>/dev/null | grep -q static || ldd ${BUSYBOX} 2>&1 | grep -q 'not a dynamic'`,
        ]).status !== 0
      ? "busybox-static is not installed (scripts/setup.sh installs it)"
      : false;

const SESSION = fileURLToPath(new URL("../../test/daemons/container-session.sh", import.meta.url));

test(
  "observe --container: a podman container's processes, its image named in the report",
  { skip, timeout: 120_000 },
  () =>
    withTmpDir("ctr-", async (dir) => {
      const name = `ss-test-${process.pid}`;
      // The image: busybox-static and a few of its applets, imported from a tar.
      const rootfs = path.join(dir, "rootfs");
      mkdirSync(path.join(rootfs, "bin"), { recursive: true });
      copyFileSync(BUSYBOX, path.join(rootfs, "bin", "busybox"));
      for (const a of ["sh", "uname", "sleep", "id"]) symlinkSync("busybox", path.join(rootfs, "bin", a));
      assert.equal(spawnSync("tar", ["-C", rootfs, "-cf", path.join(dir, "rootfs.tar"), "."]).status, 0);
      const out = path.join(dir, "out");
      const cli = [process.execPath, BIN, "observe", "--container", name, "--duration", "6", "--out", out];
      const r = spawnSync(
        "unshare",
        ["-m", "--propagation", "private", "--", "/bin/sh", SESSION, dir, name, ...cli],
        {
          encoding: "utf8",
          timeout: 100_000,
        },
      );
      assert.equal(r.status, 0, `${r.stderr}${r.stdout}`);
      const rep = JSON.parse(readFileSync(path.join(out, "report.json"), "utf8")) as {
        target: { kind: string; image?: string; container?: string; cgroup?: string; label: string };
      };
      assert.equal(rep.target.kind, "container");
      assert.equal(rep.target.image, "localhost/ss-busybox:test");
      assert.equal(rep.target.container, name);
      assert.match(rep.target.label, /image localhost\/ss-busybox:test/);
      assert.ok(rep.target.cgroup && rep.target.cgroup !== "/", JSON.stringify(rep.target));
      const execs = readSessionEvents(out).filter(
        (e): e is Extract<ShadowEvent, { kind: "exec" }> => e.kind === "exec",
      );
      // busybox's shell runs uname inside itself (a no-fork applet); sleep it runs as
      // /proc/self/exe, an exec each time.
      assert.ok(execs.filter((e) => e.argv[0] === "sleep").length >= 3, JSON.stringify(execs.slice(0, 5)));
      assert.match(readFileSync(path.join(out, "report.md"), "utf8"), /ss-busybox/);
      assert.equal(
        readFileSync(path.join(dir, "running-after"), "utf8").trim(),
        "true",
        "never stopped by us",
      );
    }),
);
