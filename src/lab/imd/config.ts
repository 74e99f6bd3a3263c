import { fail, ok, type Result } from "../../util/result.js";

/** IMD's configuration: every behaviour of the catalogue can be switched off. */
export interface ImdConfig {
  /** Milliseconds between two steady-state ticks. */
  tick_ms: number;
  /** Relative jitter applied to every tick (0.1 = +-10%). */
  jitter: number;
  config_drift: boolean;
  helpers: boolean;
  external_binaries: boolean;
  orphan: boolean;
  orphan_ttl_s: number;
  internal_connect: boolean;
  /** Connect to the local peer service every N ticks. */
  connect_every: number;
  peer_port: number;
  /** The peer's unix socket, relative to IMD's root. */
  peer_socket: string;
  plugin: boolean;
  temp_secrets: boolean;
  silent_failures: boolean;
  /** Every N ticks IMD pauses for `pause_ms` without exiting (0 = never). */
  pause_every: number;
  pause_ms: number;
  /** Rewritten by IMD itself at runtime: the drift. */
  generation: number;
}

export const DEFAULT_CONFIG: ImdConfig = {
  tick_ms: 2000,
  jitter: 0.1,
  config_drift: true,
  helpers: true,
  external_binaries: true,
  orphan: true,
  orphan_ttl_s: 300,
  internal_connect: true,
  connect_every: 2,
  peer_port: 47_611,
  peer_socket: "/run/imd-peer.sock",
  plugin: true,
  temp_secrets: true,
  silent_failures: true,
  pause_every: 7,
  pause_ms: 5000,
  generation: 1,
};

type Key = keyof ImdConfig;
const KEYS = Object.keys(DEFAULT_CONFIG) as Key[];

/** Parses `key = value` lines (`#` comments); any problem names the file and line. */
export function parseConfig(text: string, file: string): Result<ImdConfig> {
  const config: ImdConfig = { ...DEFAULT_CONFIG };
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/#.*$/, "").trim();
    if (line === "") continue;
    const where = { file, line: i + 1 };
    const match = /^([a-z_]+)\s*=\s*(.*)$/.exec(line);
    if (!match) return fail({ code: "syntax", message: `expected 'key = value', got '${line}'`, ...where });
    const key = match[1] as Key;
    const raw = match[2]!.trim();
    if (!KEYS.includes(key)) return fail({ code: "unknown_key", message: `unknown key '${key}'`, ...where });
    const expected = typeof DEFAULT_CONFIG[key];
    if (expected === "string") {
      if (raw === "") return fail({ code: "invalid_value", message: `${key} must not be empty`, ...where });
      (config[key] as string) = raw;
    } else if (expected === "boolean") {
      if (raw !== "true" && raw !== "false") {
        return fail({
          code: "invalid_value",
          message: `${key} must be true or false, got '${raw}'`,
          ...where,
        });
      }
      (config[key] as boolean) = raw === "true";
    } else {
      const value = Number(raw);
      if (raw === "" || !Number.isFinite(value) || value < 0) {
        return fail({
          code: "invalid_value",
          message: `${key} must be a non-negative number, got '${raw}'`,
          ...where,
        });
      }
      (config[key] as number) = value;
    }
  }
  if (config.tick_ms < 50)
    return fail({ code: "invalid_value", message: "tick_ms must be at least 50", file });
  return ok(config);
}

export function renderConfig(config: ImdConfig): string {
  const lines = ["# IMD - Infrastructure Management Daemon (Shadow Signals lab target)"];
  for (const key of KEYS) lines.push(`${key} = ${String(config[key])}`);
  return lines.join("\n") + "\n";
}
