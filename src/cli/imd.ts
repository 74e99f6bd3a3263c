import { runImd } from "../lab/imd/daemon.js";
import { parseCommandArgs } from "./args.js";
import type { Command } from "./command.js";

export const imdCommand: Command = {
  name: "imd",
  summary: "run IMD, the lab's reference daemon, in the foreground",
  isTarget: true,
  help: `Usage: shadow-signals imd [--config FILE] [--root DIR] [--benign] [--ground-truth FILE]

Runs IMD (the Infrastructure Management Daemon), a benign simulation of a risky daemon.
In steady state it rewrites its own config, runs helpers with full privileges, detaches a
watchdog that masquerades as a kernel thread, talks to a local peer over loopback TCP and a unix
socket, runs a plugin script from a world-writable temp dir, caches FAKE credentials in a 0644
temp file, and fails silently. Every behaviour can be switched off in its config.

Options:
  --config FILE        start from this config (key = value lines); IMD installs a copy under its
                       root and only changes that copy. Default: <root>/etc/imd/imd.conf, written
                       with defaults when absent.
  --root DIR           confine every path under DIR. Default: / as root, a private temp dir otherwise.
  --benign             negative control: read config once, then only answer PING on a loopback port.
  --ground-truth FILE  write a JSON record of every action (time, pid, path) at shutdown.

On SIGTERM or SIGINT IMD removes everything it created, its orphan included, and exits 0.
Exit codes: 0 stopped cleanly; 1 bad config or runtime error; 2 usage error.

Example:
  shadow-signals imd --root /tmp/imd-lab --ground-truth /tmp/imd-truth.json`,
  async run(argv) {
    const { values } = parseCommandArgs(argv, {
      config: { type: "string" },
      root: { type: "string" },
      benign: { type: "boolean" },
      "ground-truth": { type: "string" },
    });
    return runImd({
      ...(values.root !== undefined ? { root: values.root } : {}),
      ...(values.config !== undefined ? { configFile: values.config } : {}),
      ...(values["ground-truth"] !== undefined ? { groundTruthFile: values["ground-truth"] } : {}),
      benign: values.benign === true,
      onReady: (line) => process.stdout.write(line + "\n"),
    });
  },
};
