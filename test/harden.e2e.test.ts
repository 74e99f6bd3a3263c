/**
 * `harden` end to end: profiles from live sessions (IMD, its benign control, a small daemon) and
 * from imported strace logs, each checked by the real tool offline; replays under bubblewrap.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { replayUnavailable } from "../src/harden/replay.js";
import { hasStrace, isRoot, processesMatching, runCli, withTmpDir } from "../src/testing/cli.js";

const REPO = fileURLToPath(new URL("../../", import.meta.url)).replace(/\/$/, "");
const REPO_IN_TMP = /^\/(var\/)?tmp\//.test(REPO);
/** Paths of this checkout (IMD runs from it): where it lives is not IMD's behaviour. */
const notOurs = (p: string) => !p.startsWith(REPO + "/");
const has = (tool: string) => spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;
const TOOLS = ["systemd-analyze", "apparmor_parser", "scmp_sys_resolver"].filter((t) => !has(t));
const checksSkip = TOOLS.length ? `${TOOLS.join(", ")} not installed (npm run setup)` : false;
const replaySkip = replayUnavailable() ?? (hasStrace ? false : "strace is not installed");
const liveSkip = !isRoot ? "needs root (the ebpf sensor counts syscalls)" : checksSkip;

interface HardenJson {
  scores: { before?: number; active?: number; suggested?: number };
  lines: { option: string; value: string; tier: string; why: string; closes: string[] }[];
  filesystem: { writable: string[]; execFromWritable: string[]; privateTmp: boolean };
  seccompRefused?: string;
  checks: Record<string, { ok?: boolean; skipped?: string; detail?: string }>;
}
interface ReplayJson {
  comparison: {
    closed: { behavior: string }[];
    kept: { behavior: string; before: number; after: number }[];
    appeared: { behavior: string; expected?: string }[];
    failures: { what: string; expected?: string }[];
    unexpected: boolean;
  };
}
const readJson = <T>(file: string) => JSON.parse(readFileSync(file, "utf8")) as T;

/** The drop-in laid over a unit, checked as systemd itself would: any complaint fails. */
function verifyDropIn(dir: string, dropIn: string): void {
  const units = path.join(dir, "units");
  mkdirSync(path.join(units, "t.service.d"), { recursive: true });
  writeFileSync(path.join(units, "t.service"), "[Unit]\nDescription=t\n[Service]\nExecStart=/bin/sleep 1\n");
  writeFileSync(path.join(units, "t.service.d", "harden.conf"), dropIn);
  const r = spawnSync(
    "systemd-analyze",
    ["verify", "--recursive-errors=yes", "--man=no", path.join(units, "t.service")],
    {
      encoding: "utf8",
    },
  );
  const complaints = `${r.stdout}${r.stderr}`.split("\n").filter((l) => /t\.service|ignoring/i.test(l));
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(complaints, [], "systemd-analyze verify complained");
}

/** The overall exposure systemd-analyze gives t.service, with or without the drop-in. */
function exposure(dir: string, withDropIn: boolean): number {
  const units = path.join(dir, withDropIn ? "units" : "bare");
  mkdirSync(units, { recursive: true });
  if (!withDropIn)
    writeFileSync(
      path.join(units, "t.service"),
      "[Unit]\nDescription=t\n[Service]\nExecStart=/bin/sleep 1\n",
    );
  const r = spawnSync(
    "systemd-analyze",
    ["security", "--offline=true", "--no-pager", path.join(units, "t.service")],
    {
      encoding: "utf8",
    },
  );
  const json = spawnSync(
    "systemd-analyze",
    ["security", "--offline=true", "--json=short", path.join(units, "t.service")],
    { encoding: "utf8" },
  );
  assert.ok(Array.isArray(JSON.parse(json.stdout)), "security --json=short gave no list");
  return Number(/Overall exposure level for t\.service: ([\d.]+)/.exec(r.stdout)?.[1]);
}

/** Every generated file through the real tools: verify, score, AppArmor parser, libseccomp names. */
function checkProfiles(dir: string, out: string, expectSeccomp: boolean): HardenJson {
  const h = readJson<HardenJson>(path.join(out, "harden.json"));
  const dropIn = readFileSync(path.join(out, "harden.conf"), "utf8");
  verifyDropIn(dir, dropIn);
  const before = exposure(dir, false);
  const after = exposure(dir, true);
  assert.ok(after < before, `exposure did not drop: ${before} -> ${after}`);
  const aa = spawnSync("apparmor_parser", ["-Q", "-K", path.join(out, "apparmor.profile")], {
    encoding: "utf8",
  });
  assert.equal(aa.status, 0, aa.stderr);
  if (expectSeccomp) {
    const sc = readJson<{ defaultAction: string; syscalls: { names: string[] }[] }>(
      path.join(out, "seccomp.json"),
    );
    assert.equal(sc.defaultAction, "SCMP_ACT_ERRNO");
    for (const name of sc.syscalls[0]!.names) {
      const r = spawnSync("scmp_sys_resolver", [name], { encoding: "utf8" });
      assert.ok(r.status === 0 && Number(r.stdout) >= 0, `libseccomp does not know ${name}`);
    }
  } else assert.equal(existsSync(path.join(out, "seccomp.json")), false);
  // Every line says why; active and suggested ones name a value.
  for (const l of h.lines) {
    assert.ok(l.why.length > 10, `${l.option} has no reason`);
    assert.match(dropIn, new RegExp(`^#? ?${l.option}`, "m"));
  }
  return h;
}

const line = (h: HardenJson, option: string, tier?: string) =>
  h.lines.find((l) => l.option === option && (!tier || l.tier === tier));

describe("harden on IMD", { concurrency: false }, () => {
  test(
    "profiles from a lab session, checked; replays: active keeps the core, suggested denies the plugin",
    {
      skip: liveSkip || replaySkip,
      timeout: 240_000,
    },
    () =>
      withTmpDir("harden-imd-", (dir) => {
        const lab = path.join(dir, "lab");
        const r = runCli(["lab", "--duration", "20s", "--out", lab], 120_000);
        assert.equal(r.status, 0, r.stderr);
        const out = path.join(dir, "profile");
        const h1 = runCli(["harden", lab, "--out", out]);
        assert.equal(h1.status, 0, h1.stderr);
        const h = checkProfiles(dir, out, true);
        assert.ok(h.scores.active! < h.scores.before! - 5, `score ${JSON.stringify(h.scores)}`);
        assert.equal(line(h, "ProtectSystem", "active")?.value, "strict");
        assert.match(line(h, "ReadWritePaths", "active")!.value, /-\/etc\/imd/);
        // A checkout under /tmp (a fresh clone) is a temp file IMD uses without making it: no
        // private /tmp then, and its native addon's dir is an exec exception like the plugin's.
        if (REPO_IN_TMP) assert.equal(line(h, "PrivateTmp", "refused")?.option, "PrivateTmp");
        else assert.equal(line(h, "PrivateTmp", "active")?.value, "yes");
        assert.deepEqual(h.filesystem.execFromWritable.filter(notOurs), ["/tmp/imd-plugins"]);
        assert.equal(line(h, "ExecPaths", "suggested")?.value, "");
        assert.ok(line(h, "NoNewPrivileges", "suggested"));
        assert.ok(line(h, "ReadOnlyPaths", "suggested")?.closes.includes("config-file-modification"));
        assert.match(
          readFileSync(path.join(out, "harden.md"), "utf8"),
          /what none can close: A daemon that must rewrite/,
        );

        const active = path.join(dir, "replay-active");
        const ra = runCli(["harden", "--replay", lab, "--duration", "15s", "--out", active], 120_000);
        assert.equal(ra.status, 0, `${ra.stdout}\n${ra.stderr}`);
        const ca = readJson<ReplayJson>(path.join(active, "replay.json")).comparison;
        const kept = ca.kept.map((k) => k.behavior);
        for (const core of [
          "periodic-autonomous-activity",
          "internal-socket-connection",
          "mutable-artifact-dependency",
        ])
          assert.ok(kept.includes(core), `${core} gone under the active tier: ${JSON.stringify(ca)}`);
        assert.deepEqual(ca.appeared, []);
        assert.deepEqual(
          ca.failures.filter((f) => !f.expected),
          [],
        );

        const suggested = path.join(dir, "replay-suggested");
        const rs = runCli(
          ["harden", "--replay", lab, "--tier", "suggested", "--duration", "15s", "--out", suggested],
          120_000,
        );
        assert.equal(rs.status, 0, `${rs.stdout}\n${rs.stderr}`);
        const cs = readJson<ReplayJson>(path.join(suggested, "replay.json")).comparison;
        const denied = cs.failures.find((f) => /^exec \/tmp\/imd-plugins\/refresh\.sh EACCES/.test(f.what));
        assert.ok(denied, `the plugin exec was not denied: ${JSON.stringify(cs.failures)}`);
        assert.match(denied.expected ?? "", /noexec/);
        assert.equal(cs.unexpected, false);
        // Nothing of IMD's, nor of the sandbox's, is left.
        assert.deepEqual(processesMatching("imd-plugins"), []);
        for (const p of ["/etc/imd", "/run/imd", "/var/log/imd", "/tmp/imd-plugins"])
          assert.equal(existsSync(p), false, p);
      }),
  );

  test(
    "the benign control: a tighter profile, and its replay changes nothing",
    {
      skip: liveSkip || replaySkip,
      timeout: 150_000,
    },
    () =>
      withTmpDir("harden-benign-", (dir) => {
        const lab = path.join(dir, "lab");
        assert.equal(runCli(["lab", "--benign", "--duration", "12s", "--out", lab], 90_000).status, 0);
        const out = path.join(dir, "replay");
        const r = runCli(["harden", "--replay", lab, "--duration", "12s", "--out", out], 90_000);
        assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
        const h = checkProfiles(dir, out, true);
        assert.deepEqual(h.filesystem.execFromWritable.filter(notOurs), []);
        if (!REPO_IN_TMP) assert.equal(line(h, "ExecPaths"), undefined);
        assert.equal(line(h, "ReadOnlyPaths"), undefined, "benign IMD rewrote no config");
        const c = readJson<ReplayJson>(path.join(out, "replay.json")).comparison;
        assert.deepEqual([c.closed, c.kept, c.appeared, c.failures], [[], [], [], []]);
      }),
  );
});

describe("harden on a small daemon and on imported logs", { concurrency: false }, () => {
  test(
    "an action never observed is denied in the replay, and said to be the profile's doing",
    {
      skip: liveSkip || replaySkip,
      timeout: 120_000,
    },
    () =>
      withTmpDir("harden-negative-", (dir) => {
        chmodSync(dir, 0o755);
        mkdirSync(path.join(dir, "state"));
        mkdirSync(path.join(dir, "elsewhere"));
        const daemon = path.join(dir, "daemon.sh");
        const trigger = path.join(dir, "trigger");
        writeFileSync(
          daemon,
          [
            "#!/bin/sh",
            "# Writes its state; once the trigger exists, also tries what it never did before.",
            "while :; do",
            `  date > ${dir}/state/now`,
            `  if [ -e ${trigger} ]; then`,
            // chdir(2), never made before: harmless if the filter let it through.
            `    cd / 2>/dev/null || echo denied > ${dir}/state/cd-failed`,
            `    echo x 2>/dev/null > ${dir}/elsewhere/never || :`,
            "  fi",
            "  sleep 0.2",
            "done",
            "",
          ].join("\n"),
        );
        const session = path.join(dir, "session");
        const o = runCli(["observe", "--duration", "4", "--out", session, "--", "/bin/sh", daemon], 60_000);
        assert.equal(o.status, 0, o.stderr);
        writeFileSync(trigger, "");
        const out = path.join(dir, "replay");
        const r = runCli(["harden", "--replay", session, "--duration", "4", "--out", out], 90_000);
        assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
        const h = checkProfiles(dir, out, true);
        assert.deepEqual(h.filesystem.writable, [path.join(dir, "state")]);
        const c = readJson<ReplayJson>(path.join(out, "replay.json")).comparison;
        const rofs = c.failures.find((f) => f.what.includes("elsewhere/never") && /EROFS/.test(f.what));
        assert.match(rofs?.expected ?? "", /read-only/, JSON.stringify(c.failures));
        // A syscall the filter denies is seen by no sensor: its effect is the proof.
        assert.ok(existsSync(path.join(dir, "state", "cd-failed")), "chdir was not denied");
        assert.equal(existsSync(path.join(dir, "elsewhere", "never")), false);
        assert.equal(c.unexpected, false, JSON.stringify(c));
      }),
  );

  test(
    "two sessions of one daemon merge: the union of what each did, both listed as coverage; another daemon's is refused",
    { skip: !hasStrace ? "strace is not installed" : checksSkip, timeout: 90_000 },
    () =>
      withTmpDir("harden-merge-", (dir) => {
        for (const d of ["a", "b"]) mkdirSync(path.join(dir, d));
        const daemon = path.join(dir, "daemon.sh");
        // Writes under a/ until the switch file exists, then under b/: two sessions, two halves.
        writeFileSync(
          daemon,
          `#!/bin/sh\nwhile :; do if [ -e ${dir}/switch ]; then date > ${dir}/b/now; else date > ${dir}/a/now; fi; sleep 0.2; done\n`,
        );
        const observe = (out: string) =>
          runCli(
            ["observe", "--sensors", "ptrace", "--duration", "2", "--out", out, "--", "/bin/sh", daemon],
            60_000,
          );
        assert.equal(observe(path.join(dir, "s1")).status, 0);
        writeFileSync(path.join(dir, "switch"), "");
        assert.equal(observe(path.join(dir, "s2")).status, 0);
        const out = path.join(dir, "merged");
        const r = runCli(["harden", path.join(dir, "s1"), path.join(dir, "s2"), "--out", out]);
        assert.equal(r.status, 0, r.stderr);
        const h = readJson<HardenJson & { coverage: { dir: string }[] }>(path.join(out, "harden.json"));
        assert.deepEqual(h.filesystem.writable, [path.join(dir, "a"), path.join(dir, "b")]);
        assert.equal(h.coverage.length, 2);
        // ptrace's view is partial: no allow-list, and the refusal says why.
        assert.match(h.seccompRefused ?? "", /partial syscall view/);
        const other = path.join(dir, "other");
        const o = runCli(
          ["observe", "--sensors", "ptrace", "--duration", "1", "--out", other, "--", "/bin/sleep", "5"],
          60_000,
        );
        assert.equal(o.status, 0, o.stderr);
        const mixed = runCli(["harden", path.join(dir, "s1"), other, "--out", path.join(dir, "mixed")]);
        assert.equal(mixed.status, 1);
        assert.match(mixed.stderr, /one profile is for one daemon/);
        assert.equal(existsSync(path.join(dir, "mixed")), false, "a failed harden left its out dir");
      }),
  );

  test(
    "an imported strace log: a full capture gives an allow-list, a filtered one is refused one",
    {
      skip: !hasStrace ? "strace is not installed" : checksSkip,
      timeout: 60_000,
    },
    () =>
      withTmpDir("harden-import-", (dir) => {
        const work = `for i in 1 2 3; do date > ${dir}/out; cat /etc/hostname > /dev/null; sleep 0.1; done`;
        const full = path.join(dir, "full.log");
        const filtered = path.join(dir, "filtered.log");
        assert.equal(
          spawnSync("strace", ["-f", "-ttt", "-yy", "-s", "256", "-o", full, "sh", "-c", work]).status,
          0,
        );
        assert.equal(
          spawnSync("strace", [
            "-f",
            "-ttt",
            "-yy",
            "-e",
            "trace=openat,execve",
            "-o",
            filtered,
            "sh",
            "-c",
            work,
          ]).status,
          0,
        );
        for (const [log, complete] of [
          [full, true],
          [filtered, false],
        ] as const) {
          const session = path.join(dir, `${path.basename(log)}-session`);
          assert.equal(runCli(["analyze", log, "--out", session]).status, 0);
          const out = path.join(dir, `${path.basename(log)}-profile`);
          const r = runCli(["harden", session, "--out", out]);
          assert.equal(r.status, 0, r.stderr);
          const h = checkProfiles(dir, out, complete);
          if (complete) assert.ok(line(h, "SystemCallFilter", "active"));
          else {
            assert.match(h.seccompRefused ?? "", /strace log captured without -e trace=/);
            assert.match(r.stderr, /seccomp profile refused/);
            assert.equal(line(h, "SystemCallFilter")?.tier, "refused");
          }
        }
      }),
  );

  test("usage errors: no session, a file, a dir without a session, --tier without --replay, an unknown format", () =>
    withTmpDir("harden-usage-", (dir) => {
      assert.equal(runCli(["harden"]).status, 2);
      assert.equal(runCli(["harden", dir, "--tier", "suggested"]).status, 2);
      assert.equal(runCli(["harden", dir, "--format", "selinux"]).status, 2);
      writeFileSync(path.join(dir, "f"), "x");
      const r = runCli(["harden", path.join(dir, "f")]);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /not a session dir/);
      const empty = runCli(["harden", dir, "--out", path.join(dir, "o")]);
      assert.equal(empty.status, 1);
      assert.match(empty.stderr, /no session\.db/);
      assert.equal(existsSync(path.join(dir, "o")), false, "an out dir was made for nothing");
    }));
});
