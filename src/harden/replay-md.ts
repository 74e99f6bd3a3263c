import type { HardenResult } from "./harden.js";
import type { Comparison } from "./replay-compare.js";
import type { SandboxPlan } from "./sandbox-plan.js";

/** replay.md: what the replay enforced, and the original session against the replay. */
export function renderReplayMd(
  r: HardenResult,
  plan: SandboxPlan,
  c: Comparison,
  original: string,
  replayDir: string,
  tier: string,
): string {
  const score = tier === "suggested" ? r.scores.suggested : r.scores.active;
  const out = [
    `# Replay of ${r.surface.target.label} under the ${tier} tier`,
    "",
    `- original session: ${original}`,
    `- replay session: ${replayDir} (its own report.md and report.json)`,
    `- exposure (systemd-analyze security): ${r.scores.before ?? "n/a"} as it is, ${score ?? "n/a"} with this tier`,
    `- verdict: ${c.unexpected ? "**unexpected changes** (below)" : "nothing unexpected: every new failure is a denial the profile meant"}`,
    "",
    "## Enforced in the replay",
    "",
    ...plan.enforced.map((e) => `- ${e}`),
    "",
    "Not enforceable without systemd (in the drop-in, not in the replay):",
    "",
    ...plan.notEnforced.map((e) => `- ${e}`),
    "",
    "## Findings",
    "",
    "| finding | before | after |",
    "| --- | --- | --- |",
    ...c.closed.map((f) => `| ${f.behavior} | ${f.occurrences} | closed |`),
    ...c.kept.map((f) => `| ${f.behavior} | ${f.before} | ${f.after} |`),
    ...c.appeared.map(
      (f) =>
        `| ${f.behavior} | — | ${f.occurrences} new${f.expected ? ` (expected: ${f.expected})` : " (UNEXPECTED)"} |`,
    ),
    "",
    "## New failures",
    "",
    c.failures.length
      ? "| call | times | why |"
      : "None: no call failed in the replay that did not fail before.",
    ...(c.failures.length ? ["| --- | --- | --- |"] : []),
    ...c.failures.map(
      (f) => `| \`${f.what}\` | ${f.count} | ${f.expected ?? "**not explained by the profile**"} |`,
    ),
    "",
    "A syscall the seccomp filter denies never reaches the tracepoints nor the tracer: neither",
    "sensor sees it, only what the daemon does next (an error path, a fallback, a silent failure).",
    "",
    "## Activity (events per minute, before and after)",
    "",
    "| kind | before | after |",
    "| --- | --- | --- |",
    ...c.activity.map((a) => `| ${a.kind} | ${a.before} | ${a.after} |`),
    "",
  ];
  return out.join("\n");
}
