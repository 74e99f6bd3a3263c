import { runReplayPlan } from "../harden/replay-run.js";
import { UsageError } from "../util/result.js";
import type { Command } from "./command.js";

/** Internal: the child `harden --replay` runs in a private mount namespace. Not in the index. */
export const replayRunCommand: Command = {
  name: "replay-run",
  hidden: true,
  summary: "internal: run a harden replay plan (started by harden --replay)",
  help: "Usage: shadow-signals replay-run PLAN.json\n\nInternal: started by `harden --replay`, inside a private mount namespace.",
  async run(argv) {
    if (argv.length !== 1) throw new UsageError("give the plan file");
    await runReplayPlan(argv[0]!);
    return 0;
  },
};
