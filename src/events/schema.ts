/**
 * The normalized event schema. Every sensor emits these; every detector reads them.
 * The table below is the single source: TypeScript types are derived from it and the validator
 * walks it, so adding a field is one line. A trailing `?` marks an optional field.
 */
export const EVENT_KINDS = {
  exec: { path: "string", argv: "string[]", cwd: "string?" },
  fork: { child: "int" },
  exit: { code: "int?", signal: "string?" },
  setsid: {},
  comm: { name: "string" },
  cred: {
    syscall: "string",
    uid: "int?",
    euid: "int?",
    gid: "int?",
    egid: "int?",
    caps: "string?",
  },
  ns: { syscall: "string", flags: "string?" },
  open: { path: "string", flags: "string[]", fd: "int?" },
  write: { path: "string", fd: "int?", bytes: "int", count: "int?", secrets: "string[]?" },
  rename: { from: "string", to: "string" },
  unlink: { path: "string" },
  chmod: { path: "string", mode: "string" },
  chown: { path: "string", uid: "int?", gid: "int?" },
  connect: { family: "string", address: "string?", port: "int?", unixPath: "string?" },
  bind: { family: "string", address: "string?", port: "int?", unixPath: "string?" },
  listen: { family: "string?", address: "string?", port: "int?", unixPath: "string?" },
  accept: { family: "string?", address: "string?", port: "int?", unixPath: "string?" },
  signal: { signal: "string", fromPid: "int?" },
  /** `from` is the creator when some sensor saw the fork; a late-found orphan may lack it. */
  reparent: { from: "int?", to: "int" },
  gap: { ms: "number", reason: "string" },
} as const;

/** Fields every event carries, whatever its kind. `err` marks a failed syscall (errno name). */
export const COMMON_FIELDS = {
  ts: "number",
  seq: "int",
  pid: "int",
  ppid: "int?",
  comm: "string",
  sensor: "string",
  err: "string?",
  /** Set when the sensor inferred the event rather than saw it (e.g. procfs between two scans). */
  inferred: "boolean?",
} as const;

export const SENSOR_NAMES = ["procfs", "ptrace", "ebpf"] as const;
export type SensorName = (typeof SENSOR_NAMES)[number];

/** `int`: a whole number (pids, fds, ports, ids); SQLite and the process table need one. */
type FieldType = "string" | "number" | "int" | "boolean" | "string[]";
type TypeOf<T> = T extends "string"
  ? string
  : T extends "number" | "int"
    ? number
    : T extends "boolean"
      ? boolean
      : T extends "string[]"
        ? string[]
        : never;
type Fields<S> = {
  [K in keyof S as S[K] extends `${string}?` ? never : K]: TypeOf<S[K]>;
} & {
  [K in keyof S as S[K] extends `${string}?` ? K : never]?: S[K] extends `${infer B}?` ? TypeOf<B> : never;
};

export type EventKind = keyof typeof EVENT_KINDS;
type Common = Fields<typeof COMMON_FIELDS> & { sensor: SensorName };
/** One normalized event: `{ kind: "open", path, flags, ts, seq, pid, comm, sensor, ... }`. */
export type ShadowEvent = {
  [K in EventKind]: Common & { kind: K } & Fields<(typeof EVENT_KINDS)[K]>;
}[EventKind];
export type EventOf<K extends EventKind> = Extract<ShadowEvent, { kind: K }>;
/** An event before the session stamps its sequence number. */
export type RawEvent = ShadowEvent extends infer E ? (E extends ShadowEvent ? Omit<E, "seq"> : never) : never;

export type FieldSpec = Readonly<Record<string, `${FieldType}` | `${FieldType}?`>>;
