/**
 * A map that keeps what was used lately: an entry is forgotten once it has gone unused for `ttl`
 * (on the clock its callers give), and the least lately used goes first past `max`. A cache whose
 * entries matter only for a while (a file's name until its write sums come) then stays the size
 * of the recent past from its first minute, instead of filling toward its bound for hours.
 */
export class RecentMap<K, V> {
  /** In order of last use, oldest first: each use re-inserts its entry. */
  private readonly entries = new Map<K, { value: V; at: number }>();

  constructor(
    private readonly ttl: number,
    private readonly max: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  set(key: K, value: V, now: number): void {
    this.entries.delete(key);
    this.entries.set(key, { value, at: now });
    this.forgetOld(now);
  }

  /** The value, if used within `ttl` of `now`; a hit counts as a use. */
  get(key: K, now: number): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (now - e.at > this.ttl) {
      this.entries.delete(key);
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, e);
    e.at = Math.max(e.at, now);
    return e.value;
  }

  private forgetOld(now: number): void {
    for (const [key, e] of this.entries) {
      if (this.entries.size <= this.max && now - e.at <= this.ttl) return; // the rest are younger
      this.entries.delete(key);
    }
  }
}
