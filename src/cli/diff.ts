import path from "node:path";
import { diffSessions } from "../diff/diff.js";
import { renderDiffHtml, renderDiffMarkdown } from "../diff/render-diff.js";
import { digest } from "../diff/session-digest.js";
import { UsageError, formatIssue } from "../util/result.js";
import { writeNewFile } from "../util/safe-fs.js";
import { parseCommandArgs } from "./args.js";
import type { Command } from "./command.js";
import { resolveOutDir } from "./out-dir.js";

export const diffCommand: Command = {
  name: "diff",
  summary: "compare two sessions of a daemon: behaviours new, gone and changed (exit 1 when new)",
  help: `Usage: shadow-signals diff A B [--json] [--out DIR]

Compares session B against session A (two session dirs, or two report.json files) of the same
daemon: behaviours new, gone and changed, and per behaviour the executables, written paths, peers
and secret kinds B has that A had not (and the reverse), and the periods of periodic activity
(the same rhythm within its jitter, at least 10%). A report.json alone compares findings only.

Prints markdown (or JSON with --json); --out DIR also writes diff.md, diff.json and diff.html.

Exit codes, as diff(1) has them, so that a release can be gated in CI:
  0  nothing new in B
  1  B has a behaviour, or an occurrence class (a program, a written path, a peer, a secret kind,
     a period), that A had not
  2  any error (usage or runtime)

Example:
  shadow-signals diff sessions/agent-v1 sessions/agent-v2 || echo "v2 does something v1 did not"`,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      json: { type: "boolean" },
      out: { type: "string" },
    });
    if (positionals.length !== 2) throw new UsageError("give two sessions: A B");
    const warn = (i: Parameters<typeof formatIssue>[0]) =>
      process.stderr.write(`shadow-signals: warning: ${formatIssue(i)}\n`);
    const [a, b] = await Promise.all(positionals.map((p) => digest(p, warn)));
    const d = diffSessions(a!, b!);
    const md = renderDiffMarkdown(d);
    const json = JSON.stringify(d, null, 2) + "\n";
    process.stdout.write(values.json ? json : md);
    if (values.out) {
      const out = resolveOutDir(values.out, "diff");
      writeNewFile(path.join(out, "diff.md"), md);
      writeNewFile(path.join(out, "diff.json"), json);
      writeNewFile(path.join(out, "diff.html"), renderDiffHtml(d));
    }
    return d.somethingNew ? 1 : 0;
  },
  /** diff(1): any error is 2, a runtime one too. */
  errorExit: 2,
};
