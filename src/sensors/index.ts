import { registerSensor } from "./registry.js";
import { ProcfsSensor } from "./procfs/procfs-sensor.js";
import { PtraceSensor } from "./ptrace/ptrace-sensor.js";

registerSensor("procfs", () => new ProcfsSensor());
registerSensor("ptrace", () => new PtraceSensor());

export { createSensor, sensorNames } from "./registry.js";
