/** Index of the first element >= value in an ascending array (binary search). */
export function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** True when some time in the ascending array lies within [from, to]. */
export function anyWithin(sorted: readonly number[], from: number, to: number): boolean {
  const i = lowerBound(sorted, from);
  return i < sorted.length && sorted[i]! <= to;
}

/** The latest time in the ascending array within [from, to], if any. */
export function lastWithin(sorted: readonly number[], from: number, to: number): number | undefined {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= to) lo = mid + 1;
    else hi = mid;
  }
  const last = sorted[lo - 1];
  return last !== undefined && last >= from ? last : undefined;
}
