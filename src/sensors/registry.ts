import type { SensorName } from "../events/schema.js";
import { UsageError } from "../util/result.js";
import type { Sensor } from "./sensor.js";

type Factory = () => Sensor;
const factories = new Map<SensorName, Factory>();

/** Registers a sensor by name; a duplicate name fails loudly (Tetragon's rule). */
export function registerSensor(name: SensorName, factory: Factory): void {
  if (factories.has(name)) throw new Error(`sensor '${name}' registered twice`);
  factories.set(name, factory);
}

export function sensorNames(): SensorName[] {
  return [...factories.keys()];
}

export function createSensor(name: string): Sensor {
  const factory = factories.get(name as SensorName);
  if (!factory) throw new UsageError(`unknown sensor '${name}' (known: ${sensorNames().join(", ")})`);
  return factory();
}
