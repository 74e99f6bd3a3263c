import { ShadowError, UsageError } from "../util/result.js";
import { createSensor, sensorNames } from "./index.js";
import type { ProbeResult, Sensor } from "./sensor.js";

export interface Selection {
  active: { sensor: Sensor; probe: ProbeResult }[];
  skipped: { name: string; reason: string }[];
}

/**
 * `auto`: every usable sensor, saying why the others are not. A list: each must be usable.
 * `leaveOut`: sensors that `auto` does not pick for this target, with why (a named one still runs).
 */
export async function selectSensors(spec: string, leaveOut: Record<string, string> = {}): Promise<Selection> {
  const names =
    spec === "auto"
      ? sensorNames()
      : spec
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean);
  if (names.length === 0) throw new UsageError("--sensors: name at least one sensor, or auto");
  const selection: Selection = { active: [], skipped: [] };
  for (const name of names) {
    if (spec === "auto" && leaveOut[name] !== undefined) {
      selection.skipped.push({ name, reason: leaveOut[name] });
      continue;
    }
    const sensor = createSensor(name);
    const probe = await sensor.probe();
    if (probe.usable) selection.active.push({ sensor, probe });
    else if (spec === "auto") selection.skipped.push({ name, reason: probe.reason });
    else throw new ShadowError(`sensor ${name} is not usable here: ${probe.reason}`);
  }
  if (selection.active.length === 0)
    throw new ShadowError(
      `no usable sensor: ${selection.skipped.map((s) => `${s.name}: ${s.reason}`).join("; ")}`,
    );
  return selection;
}
