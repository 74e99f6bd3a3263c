import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** The result of checking a generated file with the real tool; `skipped` when the tool is missing. */
export type CheckResult = { ok: true; detail: string } | { ok: false; detail: string } | { skipped: string };

/** `apparmor_parser -Q -K`: parses and compiles the profile without loading it into a kernel. */
export function checkAppArmor(profile: string): CheckResult {
  const dir = mkdtempSync(path.join(os.tmpdir(), "shadow-signals-aa-"));
  try {
    const file = path.join(dir, "profile");
    writeFileSync(file, profile, { mode: 0o600 });
    const r = spawnSync("apparmor_parser", ["-Q", "-K", file], { encoding: "utf8", timeout: 60_000 });
    if (r.error) return { skipped: "apparmor_parser is not installed (Debian package: apparmor)" };
    // It warns on a kernel without AppArmor's cache interface; only its errors matter.
    const errors = r.stderr
      .split("\n")
      .filter((l) => l.trim() && !/Cache read\/write disabled|interface file missing/.test(l));
    return r.status === 0
      ? { ok: true, detail: "apparmor_parser -Q -K: parsed and compiled" }
      : { ok: false, detail: errors.join("; ") || `apparmor_parser exited ${r.status}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every syscall name resolved by libseccomp (`scmp_sys_resolver`), for this architecture. */
export function checkSyscallNames(names: string[]): CheckResult {
  const probe = spawnSync("scmp_sys_resolver", ["read"], { encoding: "utf8" });
  if (probe.error) return { skipped: "scmp_sys_resolver is not installed (Debian package: seccomp)" };
  const unknown = names.filter((n) => {
    const r = spawnSync("scmp_sys_resolver", [n], { encoding: "utf8" });
    return r.status !== 0 || Number(r.stdout.trim()) < 0;
  });
  return unknown.length
    ? { ok: false, detail: `libseccomp does not know: ${unknown.join(", ")}` }
    : { ok: true, detail: `scmp_sys_resolver: all ${names.length} names resolve` };
}
