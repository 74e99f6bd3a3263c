import { registerSensor } from "./registry.js";
import { ProcfsSensor } from "./procfs/procfs-sensor.js";
import { PtraceSensor } from "./ptrace/ptrace-sensor.js";
import { EbpfSensor } from "./ebpf/ebpf-sensor.js";

registerSensor("procfs", () => new ProcfsSensor());
registerSensor("ptrace", () => new PtraceSensor());
registerSensor("ebpf", () => new EbpfSensor());

export { createSensor, sensorNames } from "./registry.js";
