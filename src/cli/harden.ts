import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { FORMATS, harden, type Format } from "../harden/harden.js";
import { replay } from "../harden/replay.js";
import { ShadowError, UsageError, formatIssue } from "../util/result.js";
import { parseDuration } from "../util/duration.js";
import { parseCommandArgs } from "./args.js";
import type { Command } from "./command.js";
import { resolveOutDir } from "./out-dir.js";

export const hardenCommand: Command = {
  name: "harden",
  summary:
    "turn sessions into a reviewed least-privilege profile (systemd, seccomp, AppArmor), and replay it",
  help: `Usage: shadow-signals harden SESSION... [--out DIR] [--unit FILE] [--format systemd,seccomp,apparmor]
                             [--systemd-version N]
       shadow-signals harden --replay SESSION [--tier active|suggested] [--duration D] [--out DIR]

Reads one or more session dirs of the same daemon (merged: the union of what they observed; each
is listed with its duration as coverage) and writes to the out dir:
  harden.conf       a systemd drop-in in three tiers, each line under a comment naming the finding
                    or observation behind it: active (compatible with everything observed),
                    suggested (commented out: changes observed behaviour, a person decides),
                    refused (why not: unknown to the target's systemd, or the sensors could not tell)
  seccomp.json      an OCI seccomp allow-list of the syscalls the tree made (+ the runtime's base
                    set), EPERM for the rest; refused unless a sensor saw every syscall (ebpf counts
                    them in the kernel; an imported strace log captured without -e trace= does too)
  apparmor.profile  paths with r/w/x, exec transitions, network families, capabilities
  harden.md         per finding what each line closes and what none can; the exposure score of
                    systemd-analyze security before and after; the checks each file passed
  harden.json       the same, for scripts

Every file is checked with the real tool when it is installed: systemd-analyze verify (any
"ignoring" line fails), systemd-analyze security --offline, apparmor_parser -Q -K, scmp_sys_resolver.

--replay SESSION runs the session's target again (a lab or an observe -- CMD session) under what can
be enforced without systemd — the seccomp profile, a read-only filesystem with the writable paths
bound read-write, a private /tmp, noexec where the tier says, the capability bounding set, no new
privileges (bubblewrap) — observes it with the same sensors, and compares the two reports in
replay.md: findings closed, kept, and new; failures the profile caused are expected denials, any
other new failure is not. Exit 0 when nothing unexpected appeared, 1 otherwise.

Options:
  --out DIR             out dir (default: a new folder under ./shadow-signals-sessions/)
  --unit FILE           the daemon's unit file, to verify and score the drop-in against (default: a
                        unit made from the observed command line)
  --format LIST         which files to write (default: all three)
  --systemd-version N   gate options on the target's systemd (default: the local one)
  --replay SESSION      see above; needs root, bubblewrap and the seccomp helper (npm run setup)
  --tier T              replay with the active tier (default) or with the suggested lines too
  --duration D          how long to observe the replay (default: the session's duration)

Examples:
  sudo shadow-signals lab --duration 45s --out /tmp/lab
  shadow-signals harden /tmp/lab --out /tmp/lab-harden
  sudo shadow-signals harden --replay /tmp/lab --tier suggested --out /tmp/lab-replay`,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      out: { type: "string" },
      unit: { type: "string" },
      format: { type: "string" },
      "systemd-version": { type: "string" },
      replay: { type: "string" },
      tier: { type: "string" },
      duration: { type: "string" },
    });
    const formats = (values.format ?? FORMATS.join(",")).split(",").map((f) => f.trim());
    for (const f of formats)
      if (!(FORMATS as readonly string[]).includes(f))
        throw new UsageError(`--format: unknown format '${f}' (known: ${FORMATS.join(", ")})`);
    const version = values["systemd-version"];
    if (version !== undefined && !/^\d{3}$/.test(version))
      throw new UsageError(`--systemd-version: a version number such as 252, not '${version}'`);
    const tier = values.tier ?? "active";
    if (tier !== "active" && tier !== "suggested")
      throw new UsageError(`--tier: active or suggested, not '${tier}'`);
    const sessions = values.replay !== undefined ? [values.replay, ...positionals] : positionals;
    if (!sessions.length) throw new UsageError("give at least one SESSION dir");
    if (values.replay !== undefined && positionals.length)
      throw new UsageError("--replay takes one SESSION: the target it runs again");
    if (values.replay === undefined && (values.tier || values.duration))
      throw new UsageError("--tier and --duration are for --replay");
    for (const s of sessions) {
      let dir = false;
      try {
        dir = statSync(s).isDirectory();
      } catch {
        throw new ShadowError(`${s}: no such session dir`);
      }
      if (!dir || !existsSync(path.join(s, "session.db")))
        throw new ShadowError(
          `${s}: not a session dir (no session.db); analyse a log first: shadow-signals analyze FILE`,
        );
    }
    const warn = (i: Parameters<typeof formatIssue>[0]) =>
      process.stderr.write(`shadow-signals: warning: ${formatIssue(i)}\n`);
    const given = values.out !== undefined && existsSync(values.out);
    const outDir = resolveOutDir(values.out, `harden-${path.basename(path.resolve(sessions[0]!))}`);
    // Nothing half-made is left: on failure what we wrote goes, and the dir too if we made it.
    const undo = (err: unknown) => {
      if (given)
        for (const f of readdirSync(outDir)) rmSync(path.join(outDir, f), { recursive: true, force: true });
      else rmSync(outDir, { recursive: true, force: true });
      throw err;
    };
    const options = {
      sessions: sessions.map((s) => path.resolve(s)),
      outDir,
      ...(values.unit ? { unit: values.unit } : {}),
      formats: formats as Format[],
      ...(version ? { systemdVersion: Number(version) } : {}),
      warn,
    };
    if (values.replay !== undefined) {
      const r = await replay({
        ...options,
        formats: [...FORMATS],
        tier,
        ...(values.duration ? { durationMs: parseDuration(values.duration) } : {}),
      });
      process.stdout.write(`${r.summary}\nReplay: ${path.join(outDir, "replay.md")}\n`);
      return r.unexpected ? 1 : 0;
    }
    const r = await harden(options).catch(undo);
    const s = r.scores;
    const counts = (t: string) => r.lines.filter((l) => l.tier === t).length;
    process.stdout.write(
      [
        `Profiles: ${outDir}`,
        `  harden.conf: ${counts("active")} active, ${counts("suggested")} suggested, ${counts("refused")} refused line(s)`,
        `  seccomp.json: ${r.seccomp ? `${r.seccomp.syscalls[0]!.names.length} syscalls allowed` : `not written (${r.seccompRefused})`}`,
        `  exposure (systemd-analyze security): ${s.before ?? "n/a"} as it is -> ${s.active ?? "n/a"} active -> ${s.suggested ?? "n/a"} with suggested`,
        `  see harden.md`,
      ].join("\n") + "\n",
    );
    return 0;
  },
};
