/**
 * One alert per key per window: the first occurrence of a drift goes out at once, repeats within
 * the window are counted, and the next one after it goes out with that count. Nothing is dropped
 * unsaid: `totals` keeps every key's count for the report.
 */
export class RateLimiter {
  private readonly last = new Map<string, { at: number; suppressed: number }>();
  readonly totals = new Map<string, { first: number; last: number; count: number }>();

  constructor(private readonly windowMs = 60_000) {}

  /** Whether to send this occurrence, and how many were held back since the last one sent. */
  admit(key: string, ts: number): { send: boolean; suppressed: number } {
    const t = this.totals.get(key);
    if (t) {
      t.count++;
      t.last = Math.max(t.last, ts);
    } else this.totals.set(key, { first: ts, last: ts, count: 1 });
    const s = this.last.get(key);
    if (!s) {
      this.last.set(key, { at: ts, suppressed: 0 });
      return { send: true, suppressed: 0 };
    }
    if (ts - s.at < this.windowMs) {
      s.suppressed++;
      return { send: false, suppressed: 0 };
    }
    const suppressed = s.suppressed;
    this.last.set(key, { at: ts, suppressed: 0 });
    return { send: true, suppressed };
  }
}
