/**
 * A queue with a hard cap between sensors and the store. When full it drops the new item and
 * counts it per source, so that a burst can never exhaust memory and no loss is silent.
 */
export class BoundedQueue<T> {
  private items: T[] = [];
  private readonly drops = new Map<string, number>();

  constructor(readonly capacity: number) {}

  push(item: T, source: string): boolean {
    if (this.items.length >= this.capacity) {
      this.drops.set(source, (this.drops.get(source) ?? 0) + 1);
      return false;
    }
    this.items.push(item);
    return true;
  }

  drain(): T[] {
    const out = this.items;
    this.items = [];
    return out;
  }

  get length(): number {
    return this.items.length;
  }

  dropped(source: string): number {
    return this.drops.get(source) ?? 0;
  }
}
