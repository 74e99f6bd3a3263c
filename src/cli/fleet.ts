import path from "node:path";
import { buildFleetReport } from "../fleet/fleet-report.js";
import { renderFleetMarkdown } from "../fleet/render-fleet.js";
import { UsageError, formatIssue } from "../util/result.js";
import { ownSessionDir, replaceFile } from "../util/safe-fs.js";
import { parseCommandArgs } from "./args.js";
import type { Command } from "./command.js";

export const fleetCommand: Command = {
  name: "fleet",
  summary: "compare the hosts a collect dir holds: which host's daemon differs, and since when (exit 1)",
  help: `Usage: shadow-signals fleet DIR [--json]

Reads DIR/<host>/<session>/ as 'shadow-signals collect' rebuilt them and writes DIR/fleet.md and
DIR/fleet.json: hosts × behaviours, and the outliers, with the classes 'diff' compares
(executables, written paths, peers, secret kinds, periods):
  only here         a host does what most hosts do not (a new program, path, peer, secret kind)
  different period  a host keeps a rhythm most hosts keep, at another period
  missing here      a host does not do what most hosts do
Each says since which of the host's sessions. Three hosts or more are needed for a majority.

Prints the markdown (or JSON with --json).

Exit codes, as 'diff' has them: 0 no outlier; 1 outliers; 2 any error.

Example:
  shadow-signals fleet fleet/ || echo "a host's agent behaves differently"`,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, { json: { type: "boolean" } });
    if (positionals.length !== 1) throw new UsageError("give one dir: the --out of 'shadow-signals collect'");
    const dir = ownSessionDir(positionals[0]!);
    let warnings = 0;
    const report = await buildFleetReport(dir, (i) => {
      if (++warnings <= 5) process.stderr.write(`shadow-signals: warning: ${formatIssue(i)}\n`);
    });
    if (report.hosts.length === 0) throw new UsageError(`${dir}: no analysed session (is it a collect dir?)`);
    const md = renderFleetMarkdown(report);
    const json = JSON.stringify(report, null, 2) + "\n";
    replaceFile(path.join(dir, "fleet.md"), md);
    replaceFile(path.join(dir, "fleet.json"), json);
    process.stdout.write(values.json ? json : md);
    return report.outliers.length > 0 ? 1 : 0;
  },
  errorExit: 2,
};
