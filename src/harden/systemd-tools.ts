import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * systemd-analyze, offline: the local systemd's version, its syscall groups, `verify` of a unit
 * with a drop-in, and the `security` exposure score. None of it needs systemd running as PID 1.
 */
function analyze(args: string[]): { status: number | null; stdout: string; stderr: string } | undefined {
  const r = spawnSync("systemd-analyze", args, { encoding: "utf8", timeout: 60_000 });
  if (r.error) return undefined;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function hasSystemdAnalyze(): boolean {
  return analyze(["--version"]) !== undefined;
}

/** The local systemd's version (252 on Debian 12), if systemd-analyze is installed. */
export function localSystemdVersion(): number | undefined {
  const r = analyze(["--version"]);
  const v = r && /^systemd (\d+)/m.exec(r.stdout)?.[1];
  return v ? Number(v) : undefined;
}

/** `@group` -> its syscalls, nested groups expanded (as `systemd-analyze syscall-filter` lists them). */
export function syscallGroups(): Map<string, Set<string>> | undefined {
  const r = analyze(["syscall-filter", "--no-pager"]);
  if (!r || r.status !== 0) return undefined;
  const raw = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of r.stdout.split("\n")) {
    const head = /^(@[\w-]+)$/.exec(line.trim());
    if (head && !line.startsWith(" ")) {
      current = [];
      raw.set(head[1]!, current);
    } else if (current && line.trim() && !line.trim().startsWith("#")) current.push(line.trim());
  }
  const expand = (g: string, seen = new Set<string>()): Set<string> => {
    const out = new Set<string>();
    if (seen.has(g)) return out;
    seen.add(g);
    for (const item of raw.get(g) ?? []) {
      if (item.startsWith("@")) for (const x of expand(item, seen)) out.add(x);
      else out.add(item);
    }
    return out;
  };
  return new Map([...raw.keys()].map((g) => [g, expand(g)]));
}

/** A temporary unit dir holding `unit` (named NAME.service) and, if given, `NAME.service.d/harden.conf`. */
function withUnit<T>(unitText: string, dropIn: string | undefined, f: (unitFile: string) => T): T {
  const dir = mkdtempSync(path.join(os.tmpdir(), "shadow-signals-unit-"));
  try {
    const unitFile = path.join(dir, "target.service");
    writeFileSync(unitFile, unitText, { mode: 0o600 });
    if (dropIn !== undefined) {
      mkdirSync(path.join(dir, "target.service.d"));
      writeFileSync(path.join(dir, "target.service.d", "harden.conf"), dropIn, { mode: 0o600 });
    }
    return f(unitFile);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface VerifyResult {
  ok: boolean;
  /** Every complaint systemd printed, "ignoring" lines included: a bogus value is dropped silently. */
  problems: string[];
}

/** `systemd-analyze verify --recursive-errors=yes` of the unit with the drop-in. */
export function verifyUnit(unitText: string, dropIn: string): VerifyResult | undefined {
  return withUnit(unitText, dropIn, (unitFile) => {
    const r = analyze(["verify", "--recursive-errors=yes", "--man=no", unitFile]);
    if (!r) return undefined;
    // Complaints about other units (dependencies this machine lacks) are not ours to judge.
    const problems = `${r.stdout}\n${r.stderr}`
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && (l.includes("target.service") || /ignoring/i.test(l)));
    return { ok: r.status === 0 && problems.length === 0, problems };
  });
}

/** The overall exposure (0 safest .. 10) `systemd-analyze security --offline=true` gives the unit. */
export function exposureScore(unitText: string, dropIn?: string): number | undefined {
  return withUnit(unitText, dropIn, (unitFile) => {
    const r = analyze(["security", "--offline=true", "--no-pager", unitFile]);
    const m = r && /Overall exposure level for [^:]+: ([\d.]+)/.exec(r.stdout);
    return m ? Number(m[1]) : undefined;
  });
}
