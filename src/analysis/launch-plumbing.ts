import type { ShadowEvent } from "../events/schema.js";
import { GATE_NAME } from "../session/launcher.js";
import type { AnalysisContext } from "./context.js";

/**
 * What we put between ourselves and the target is not the target's behaviour: the gate shell that
 * held it until the sensors were ready, and in a replay the sandbox (bubblewrap), which execs from
 * the root, forks the process that becomes the target, sets it up (mounts, capabilities, the
 * seccomp filter) and waits for it. The sandbox's child becomes the analysis's root at its first
 * exec of something other than the sandbox.
 */
export class LaunchPlumbing {
  /** The sandbox process that waits for the target (the session's launched root). */
  private sandboxParent: number | undefined;
  /** The sandbox's child: set up until it execs the target. */
  private child: number | undefined;
  /**
   * When the child exec'd the target, as the first sensor to report it saw. Sensors report at
   * their own pace: another's record of the child's set-up (a capset) can come after that exec,
   * so set-up is told by time, not by arrival.
   */
  private execAt: number | undefined;

  /** True when the event is ours, not the target's. May move `ctx.rootPid` to the sandbox's child. */
  isPlumbing(e: ShadowEvent, ctx: Pick<AnalysisContext, "target" | "rootPid">): boolean {
    if (e.kind === "exec" && e.argv.includes(GATE_NAME)) return true;
    const sandbox = ctx.target.sandbox;
    if (!sandbox) return false;
    if (e.pid === this.sandboxParent) return true;
    if (this.child === undefined) {
      if (e.pid !== ctx.rootPid) return false;
      if (e.kind === "fork") {
        this.sandboxParent = e.pid;
        this.child = e.child;
        ctx.rootPid = e.child;
      }
      return true; // the root before its fork is the gate becoming the sandbox
    }
    if (e.pid !== this.child) return false;
    if (e.kind === "exec" && !e.err && e.path !== sandbox.program) {
      this.execAt = Math.min(this.execAt ?? Infinity, e.ts);
      return false; // the target's own start
    }
    return this.execAt === undefined || e.ts < this.execAt;
  }
}
