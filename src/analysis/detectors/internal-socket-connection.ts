import type { ShadowEvent } from "../../events/schema.js";
import type { AnalysisContext } from "../context.js";
import type { Detector } from "../detector.js";
import type { EvidenceSet } from "../evidence-set.js";
import { PairKeyCache } from "../key-cache.js";
import { isLoopback } from "../paths.js";
import { buildFinding, newEvidence, plural, type BehaviorText } from "./base.js";

const TEXT: BehaviorText = {
  behavior: "internal-socket-connection",
  flag: "Flag-3",
  title: "Internal socket connection",
  primaryRisk: "Backdoor vector, localhost trust",
  reasoning:
    "Services on loopback and unix sockets often trust local callers without authentication. A daemon that talks to them holds an undocumented channel that a compromise could reuse.",
  impact:
    "An attacker who controls the daemon inherits its localhost trust: internal APIs, admin sockets and unauthenticated services become reachable.",
  inherentGap: "Telemetry shows endpoints, not the content or purpose of the exchange.",
  attack: ["T1090.001", "T1559"],
};

const IGNORED_UNIX = ["/dev/log", "/run/systemd/journal/", "/var/run/nscd/", "/run/nscd/", "/run/dbus/"];

/** Outbound connections to loopback addresses and to other services' unix sockets. */
export class InternalSocketDetector implements Detector {
  readonly behavior = TEXT.behavior;
  readonly text = TEXT;
  readonly kinds = ["connect", "bind", "listen"] as const;
  private set: EvidenceSet | undefined;
  /** The target's own sockets: unix paths it bound, ports it listens on (no key string an event). */
  private readonly ownPaths = new Set<string>();
  private readonly ownPorts = new Set<number | undefined>();
  private readonly inetTargets = new PairKeyCache((a, p) => `${a}:${p}`);
  private readonly inet6Targets = new PairKeyCache((a, p) => `[${a}]:${p}`);

  observe(e: ShadowEvent, ctx: AnalysisContext): void {
    if (e.kind === "bind" || e.kind === "listen") {
      if (e.unixPath) this.ownPaths.add(e.unixPath);
      if (e.port) this.ownPorts.add(e.port);
      return;
    }
    if (e.kind !== "connect") return;
    let target: string | undefined;
    if (
      e.family === "unix" &&
      e.unixPath &&
      !this.ownPaths.has(e.unixPath) &&
      !IGNORED_UNIX.some((p) => e.unixPath!.startsWith(p))
    )
      target = `unix:${e.unixPath}`;
    else if (
      (e.family === "inet" || e.family === "inet6") &&
      isLoopback(e.address) &&
      !this.ownPorts.has(e.port)
    )
      target = (e.family === "inet6" ? this.inet6Targets : this.inetTargets).of(
        e.address!,
        e.port ?? "undefined",
      );
    if (!target) return;
    const outcome = e.err ? ` (failed: ${e.err})` : "";
    (this.set ??= newEvidence(ctx)).add(e, `connects to ${target}${outcome}`, target);
  }

  finish(ctx: AnalysisContext): ReturnType<Detector["finish"]> {
    if (!this.set) return undefined;
    const targets = this.set.examples.map((x) => x.key).join(", ");
    return buildFinding(ctx, TEXT, this.set, {
      claim: `The target connects to local services over loopback or unix-domain sockets (${plural(this.set.count, "connection")} to ${targets}).`,
      severity: "medium",
      blind: {
        procfs:
          "sees a connection only while its socket is open at a scan; unix-socket peers are not resolvable from /proc.",
      },
    });
  }
}
