import { createSensor, sensorNames } from "../sensors/index.js";
import { parseCommandArgs } from "./args.js";
import type { Command } from "./command.js";

export const sensorsCommand: Command = {
  name: "sensors",
  summary: "list the sensors, whether each is usable here, and why",
  help: `Usage: shadow-signals sensors [--json]

Probes every sensor and says whether it can run on this machine, and if not, what is missing.
  procfs   /proc polling (~100 ms) plus inotify rescans; needs nothing, works unprivileged
  ptrace   every traced syscall via strace (Debian package strace); costs the target most
  ebpf     kernel tracepoints via bpftrace (root, bpftrace, BTF)

Options:
  --json   machine-readable: [{"name","usable","reason"}]`,
  async run(argv) {
    const { values } = parseCommandArgs(argv, { json: { type: "boolean" } });
    const rows = [];
    for (const name of sensorNames()) {
      const probe = await createSensor(name).probe();
      rows.push({ name, ...probe });
    }
    if (values.json) process.stdout.write(JSON.stringify(rows, null, 2) + "\n");
    else
      for (const r of rows)
        process.stdout.write(
          `${r.name.padEnd(7)} ${r.usable ? "usable     " : "unavailable"}  ${r.reason}\n`,
        );
    return 0;
  },
};
