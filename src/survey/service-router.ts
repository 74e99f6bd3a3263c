import type { RawEvent } from "../events/schema.js";
import type { ObservedTree } from "../sensors/sensor.js";
import { ExitGrace } from "../session/exit-grace.js";
import type { Recorder } from "../session/recorder.js";

/** A service as the router feeds it: its recorder and what reached it. */
export interface RoutedService {
  name: string;
  recorder: Recorder;
  events: number;
}

/**
 * One sensor for the whole host, one session per service: the router gives each event to the
 * service its process belongs to. A process belongs to the service of the process that forked
 * it, so the kernel's view of the tree (all services' processes, followed by fork) and the
 * router's stay the same. It is also the tree the sensor sees: every service's processes, and
 * never ours.
 */
export class ServiceRouter implements ObservedTree {
  private readonly owner = new Map<number, RoutedService>();
  private readonly creators = new Map<number, number>();
  /**
   * Processes that exited (event time). Their pids leave the maps a grace period later: late
   * events of theirs still find their service, and a survey of a busy host for a day keeps only its
   * live processes. A pid the kernel gives to a new process meanwhile goes to the new one's service.
   */
  private readonly grace = new ExitGrace();
  private lastSweep = 0;
  /** Events of a process no service claims (its fork was not seen): counted, not guessed. */
  unrouted = 0;

  constructor(
    readonly rootPid: number,
    private readonly ours: ReadonlySet<number>,
  ) {}

  assign(pid: number, service: RoutedService): void {
    if (!this.ours.has(pid)) this.owner.set(pid, service);
  }

  has(pid: number): boolean {
    return this.owner.has(pid);
  }

  ignores(pid: number): boolean {
    return this.ours.has(pid) || pid === process.pid;
  }

  add(pid: number, creator?: number): void {
    if (this.ignores(pid)) return;
    const reused = this.grace.has(pid);
    if (this.owner.has(pid) && !reused) return;
    const service = creator !== undefined ? this.owner.get(creator) : undefined;
    if (!service) return;
    if (this.grace.reused(pid)) this.creators.delete(pid);
    this.owner.set(pid, service);
    if (!this.creators.has(pid)) this.creators.set(pid, creator!);
  }

  /** How many processes the router holds: the live ones, and those exited within the grace. */
  get size(): number {
    return this.owner.size;
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    this.grace.sweep(now, (pid) => {
      this.owner.delete(pid);
      this.creators.delete(pid);
    });
  }

  creatorOf(pid: number): number | undefined {
    return this.creators.get(pid);
  }

  pids(): Iterable<number> {
    return this.owner.keys();
  }

  readonly emit = (e: RawEvent): void => {
    let service = this.owner.get(e.pid);
    if (!service && e.ppid !== undefined) {
      // A process whose fork came later than its first event (sensors batch): its parent's.
      this.add(e.pid, e.ppid);
      service = this.owner.get(e.pid);
    }
    if (!service || this.ignores(e.pid)) {
      this.unrouted++;
      return;
    }
    if (e.kind === "fork" && !e.err) this.add(e.child, e.pid);
    else if (e.kind === "exit") this.grace.exited(e.pid, e.ts);
    if (e.ts - this.lastSweep >= 1000) this.sweep(e.ts);
    service.events++;
    service.recorder.emit(e);
  };
}
