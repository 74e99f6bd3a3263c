import { registerSensor } from "./registry.js";
import { ProcfsSensor } from "./procfs/procfs-sensor.js";
import { PtraceSensor } from "./ptrace/ptrace-sensor.js";
import { EbpfSensor } from "./ebpf/ebpf-sensor.js";
import { ALL_UNITS, type EbpfUnit } from "./ebpf/program.js";

function ebpfUnitsFromEnv(): EbpfUnit[] | undefined {
  const spec = process.env.SHADOW_SIGNALS_EBPF_UNITS;
  if (!spec) return undefined;
  return spec.split(",").filter((u): u is EbpfUnit => (ALL_UNITS as readonly string[]).includes(u));
}

registerSensor("procfs", () => new ProcfsSensor());
registerSensor("ptrace", () => new PtraceSensor());
// SHADOW_SIGNALS_EBPF_UNITS=process,open,... runs a subset of the program's units: for measuring
// what each costs (bench/README.md), not for use.
registerSensor("ebpf", () => new EbpfSensor(ebpfUnitsFromEnv()));

export { createSensor, sensorNames } from "./registry.js";
