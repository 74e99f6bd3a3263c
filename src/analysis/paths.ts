import path from "node:path";
import lists from "../data/paths.json" with { type: "json" };

export type PathLists = typeof lists;

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

  isIgnored(p: string): boolean {
    return !p.startsWith("/") || this.under(p, this.lists.ignoredPrefixes);
  }
  isSystem(p: string): boolean {
    return (
      !this.isIgnored(p) &&
      (this.under(p, this.lists.systemLocations) || this.under(p, this.lists.systemdUnitDirs))
    );
  }
  isTemp(p: string): boolean {
    return !this.isIgnored(p) && this.under(p, this.lists.tempLocations);
  }
  isLog(p: string): boolean {
    return this.under(p, this.lists.logLocations) || p.endsWith(".log");
  }
  isConfig(p: string): boolean {
    const rel = this.relative(p);
    if (this.isIgnored(p)) return false;
    if (rel.startsWith("/etc/")) return true;
    return this.under(p, this.lists.configDirs) && this.lists.configExtensions.includes(path.extname(rel));
  }
  /** A program that starts another as the target: runuser, sudo, env, nice, timeout, a shell's exec. */
  isWrapper(exe: string): boolean {
    return this.lists.wrappers.includes(path.basename(exe));
  }
  programKind(exe: string): "shell" | "interpreter" | "network-tool" | "system-utility" | "other" {
    const base = path.basename(exe).replace(/[\d.]+$/, "") || path.basename(exe);
    if (this.lists.shells.includes(base)) return "shell";
    if (this.lists.interpreters.includes(base) || this.lists.interpreters.includes(path.basename(exe)))
      return "interpreter";
    if (this.lists.networkTools.includes(base)) return "network-tool";
    if (this.lists.systemUtilities.includes(base)) return "system-utility";
    return "other";
  }
}

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
