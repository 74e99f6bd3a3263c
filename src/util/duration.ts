import { UsageError } from "./result.js";

/** Parses `30`, `30s`, `2m`, `1h`, `500ms` into milliseconds. */
export function parseDuration(text: string, option = "--duration"): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw new UsageError(`${option}: expected a duration such as 30, 30s or 2m, got '${text}'`);
  const value = Number(match[1]);
  const unit = match[2] ?? "s";
  const factor = unit === "ms" ? 1 : unit === "s" ? 1000 : unit === "m" ? 60_000 : 3_600_000;
  const ms = value * factor;
  if (ms <= 0) throw new UsageError(`${option}: must be more than zero, got '${text}'`);
  return ms;
}

export function formatDuration(ms: number): string {
  if (ms === Infinity) return "no end";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 120) return `${Number.isInteger(s) ? s : s.toFixed(1)}s`;
  return `${Math.floor(s / 60)}m${Math.round(s % 60)}s`;
}
