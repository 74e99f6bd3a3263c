import path from "node:path";
import lists from "../data/paths.json" with { type: "json" };

export type PathLists = typeof lists;

const IGNORED = 1;
const SYSTEM = 2;
const TEMP = 4;
const LOG = 8;
const CONFIG = 16;
const ARTIFACT = 32;
const LIBRARY = /\.so(?:\.\d+)*$/;
const MAX_CLASSIFIED = 65_536;

/** Classifies paths as the detectors need, relative to the target's root (IMD's --root). */
export class PathClassifier {
  constructor(
    private readonly root = "/",
    readonly lists: PathLists = PATH_LISTS,
  ) {}

  /** `/tmp/lab/root/etc/x` -> `/etc/x` when the target's root is /tmp/lab/root. */
  relative(p: string): string {
    if (this.root === "/" || !p.startsWith(this.root + "/")) return p;
    return p.slice(this.root.length);
  }

  private under(p: string, prefixes: readonly string[]): boolean {
    const rel = this.relative(p);
    return prefixes.some((prefix) => rel.startsWith(prefix) || rel + "/" === prefix);
  }

  /**
   * What a path is, as bits, computed once a path: every detector asks of the same paths event after
   * event, and a prefix scan of each list costs more than the rest of a detector's work. Bounded:
   * cleared when full.
   */
  private readonly classes = new Map<string, number>();

  private classOf(p: string): number {
    let bits = this.classes.get(p);
    if (bits !== undefined) return bits;
    bits = 0;
    const ignored = !p.startsWith("/") || this.under(p, this.lists.ignoredPrefixes);
    if (ignored) bits |= IGNORED;
    else {
      if (this.under(p, this.lists.systemLocations) || this.under(p, this.lists.systemdUnitDirs))
        bits |= SYSTEM;
      if (this.under(p, this.lists.tempLocations)) bits |= TEMP;
      const rel = this.relative(p);
      if (
        rel.startsWith("/etc/") ||
        (this.under(p, this.lists.configDirs) && this.lists.configExtensions.includes(path.extname(rel)))
      )
        bits |= CONFIG;
      if (bits & CONFIG || this.looksLikeArtifact(path.basename(rel))) bits |= ARTIFACT;
    }
    if (this.under(p, this.lists.logLocations) || p.endsWith(".log")) bits |= LOG;
    if (this.classes.size >= MAX_CLASSIFIED) this.classes.clear();
    this.classes.set(p, bits);
    return bits;
  }

  isIgnored(p: string): boolean {
    return (this.classOf(p) & IGNORED) !== 0;
  }
  isSystem(p: string): boolean {
    return (this.classOf(p) & SYSTEM) !== 0;
  }
  isTemp(p: string): boolean {
    return (this.classOf(p) & TEMP) !== 0;
  }
  isLog(p: string): boolean {
    return (this.classOf(p) & LOG) !== 0;
  }
  isConfig(p: string): boolean {
    return (this.classOf(p) & CONFIG) !== 0;
  }
  /** Code or configuration by its name (a script, a library, a config), not plain data (a log). */
  isArtifact(p: string): boolean {
    return (this.classOf(p) & ARTIFACT) !== 0;
  }
  /** Where a package manager's links to programs live (/usr/bin/sh -> dash). */
  isProgramAliasDir(p: string): boolean {
    return this.under(p, this.lists.programAliasDirs);
  }
  /** A socket a library tries first and falls back from by design (glibc's nscd). */
  isLibraryProbe(p: string): boolean {
    return this.lists.libraryProbes.includes(p);
  }

  private looksLikeArtifact(base: string): boolean {
    const ext = path.extname(base);
    if (this.lists.artifactExtensions.includes(ext) || this.lists.configExtensions.includes(ext)) return true;
    if (LIBRARY.test(base)) return true;
    const lower = base.toLowerCase();
    return this.lists.artifactNameWords.some((w) => lower.includes(w));
  }
  /** A program that starts another as the target: runuser, sudo, env, nice, timeout, a shell's exec. */
  isWrapper(exe: string): boolean {
    return this.lists.wrappers.includes(path.basename(exe));
  }
  private readonly kinds = new Map<string, ProgramKind>();

  programKind(exe: string): ProgramKind {
    let kind = this.kinds.get(exe);
    if (kind !== undefined) return kind;
    kind = this.kindOf(exe);
    if (this.kinds.size >= MAX_CLASSIFIED) this.kinds.clear();
    this.kinds.set(exe, kind);
    return kind;
  }

  private kindOf(exe: string): ProgramKind {
    const base = path.basename(exe).replace(/[\d.]+$/, "") || path.basename(exe);
    if (this.lists.shells.includes(base)) return "shell";
    if (this.lists.interpreters.includes(base) || this.lists.interpreters.includes(path.basename(exe)))
      return "interpreter";
    if (this.lists.networkTools.includes(base)) return "network-tool";
    if (this.lists.systemUtilities.includes(base)) return "system-utility";
    return "other";
  }
}

export type ProgramKind = "shell" | "interpreter" | "network-tool" | "system-utility" | "other";

export const PATH_LISTS: PathLists = lists;

/** Loopback: 127.0.0.0/8, ::1, ::ffff:127.x. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return (
    address.startsWith("127.") ||
    address === "::1" ||
    address.startsWith("::ffff:127.") ||
    address === "localhost"
  );
}
