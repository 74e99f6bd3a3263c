/**
 * Evidence keys made once a value: a detector that builds `write:/etc/x` for every event of a busy
 * daemon pays for the new string and for hashing it in every map it meets. The value is a string
 * the decoder shares between events (its hash is kept), so the lookup is cheap. Bounded.
 */
export class KeyCache {
  private readonly keys = new Map<string, string>();

  constructor(
    private readonly make: (value: string) => string,
    private readonly max = 4096,
  ) {}

  of(value: string): string {
    let key = this.keys.get(value);
    if (key === undefined) {
      key = this.make(value);
      if (this.keys.size >= this.max) this.keys.clear();
      this.keys.set(value, key);
    }
    return key;
  }
}

/** A key made of two values (an address and a port), made once a pair. Bounded. */
export class PairKeyCache {
  private readonly keys = new Map<string, Map<string | number, string>>();
  private size = 0;

  constructor(
    private readonly make: (a: string, b: string | number) => string,
    private readonly max = 4096,
  ) {}

  of(a: string, b: string | number): string {
    let byB = this.keys.get(a);
    let key = byB?.get(b);
    if (key !== undefined) return key;
    if (this.size >= this.max) {
      this.keys.clear();
      this.size = 0;
      byB = undefined;
    }
    if (!byB) this.keys.set(a, (byB = new Map()));
    key = this.make(a, b);
    byB.set(b, key);
    this.size++;
    return key;
  }
}
