import type { ShadowEvent } from "../events/schema.js";
import type { ObservedSurface, Peer } from "../harden/surface.js";

/**
 * The classes of what a daemon does that `diff`, `fleet` and `watch` compare with a baseline: the
 * programs it executes, the paths it writes and the peers it talks to. One definition: a session's
 * classes come from its surface (harden's fold of its events), a live event's from classOfEvent,
 * and the two agree (value-classes.test.ts checks it on a recorded session).
 */
export const VALUE_CLASSES = ["executables", "written", "peers"] as const;
export type ValueClass = (typeof VALUE_CLASSES)[number];

export type ValueSets = Record<ValueClass, Set<string>>;

/** Paths that change from run to run for no reason of the daemon's. */
export const NOISE = /^\/(proc|dev|sys)\//;

export function peerName(p: Peer): string {
  return p.unixPath ? `unix:${p.unixPath}` : `${p.family}:${p.address ?? "?"}:${p.port ?? "?"}`;
}

/** A session's classes, from the surface harden folds its events into. */
export function classesOfSurface(s: ObservedSurface): ValueSets {
  return {
    executables: new Set([...s.executed].filter((p) => !NOISE.test(p))),
    written: new Set([...s.written].filter((p) => !NOISE.test(p))),
    peers: new Set([...s.connects, ...s.accepts].map(peerName)),
  };
}

const WRITE_FLAG = /^O_(WRONLY|RDWR|CREAT|TRUNC|APPEND)$/;

/**
 * The class values one live event adds, by the surface's rules (failed calls add none). `ours`:
 * our own out dir, whose files (the lab's ground truth) are not the daemon's.
 */
export function classOfEvent(e: ShadowEvent, ours?: string): { cls: ValueClass; value: string }[] {
  const path = (cls: ValueClass, p: string) =>
    p.startsWith("/") && !NOISE.test(p) && !(ours && (p === ours || p.startsWith(ours + "/")))
      ? [{ cls, value: p }]
      : [];
  switch (e.kind) {
    case "exec":
      return e.err ? [] : path("executables", e.path.replace(/ \(deleted\)$/, ""));
    case "open":
      if (e.err || e.flags.includes("O_DIRECTORY") || !e.flags.some((f) => WRITE_FLAG.test(f))) return [];
      return path("written", e.path);
    case "rename":
      return e.err || !e.to.startsWith("/") ? [] : [...path("written", e.from), ...path("written", e.to)];
    case "unlink":
    case "chown":
    case "chmod":
      return e.err ? [] : path("written", e.path);
    case "connect":
    case "accept":
      if (e.err && e.err !== "EINPROGRESS") return [];
      return [
        {
          cls: "peers",
          value: peerName({
            family: e.family ?? "?",
            ...(e.address !== undefined ? { address: e.address } : {}),
            ...(e.port !== undefined ? { port: e.port } : {}),
            ...(e.unixPath !== undefined ? { unixPath: e.unixPath } : {}),
          }),
        },
      ];
    default:
      return [];
  }
}

/** What `after` has that `before` has not, and the reverse, sorted. */
export function setChange(before: ReadonlySet<string>, after: ReadonlySet<string>) {
  const minus = (x: ReadonlySet<string>, y: ReadonlySet<string>) => [...x].filter((v) => !y.has(v)).sort();
  return { added: minus(after, before), removed: minus(before, after) };
}
