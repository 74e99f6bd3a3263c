/**
 * Whether any of an open's flags matches a pattern, memoised by flag name: a handful of names
 * exist, and the detectors ask of every open of a busy daemon.
 */
export class FlagTest {
  private readonly memo = new Map<string, boolean>();

  constructor(private readonly pattern: RegExp) {}

  any(flags: readonly string[]): boolean {
    for (const flag of flags) {
      let hit = this.memo.get(flag);
      if (hit === undefined) {
        hit = this.pattern.test(flag);
        if (this.memo.size < 1024) this.memo.set(flag, hit);
      }
      if (hit) return true;
    }
    return false;
  }
}
