/** A recurring action's rhythm. */
export interface Periodicity {
  periodMs: number;
  /** Relative spread of the intervals around the period (0.1 = 10%). */
  jitter: number;
  occurrences: number;
  /** Occurrences that fell where the period predicts, missed beats allowed. */
  consistent: number;
  /** Too few beats for the usual test, but exact: a slow job (cron's minute) in a short session. */
  fewBeats?: boolean;
}

/**
 * A slow, precise rhythm seen only a few times: every interval within `maxJitter` of their mean,
 * at a period of at least `minPeriodMs`. A job run every minute by cron gives 2-3 beats in a
 * 150 s session, exact to the millisecond; chance rarely lines up three actions that well.
 */
export function detectPreciseRhythm(
  times: readonly number[],
  { minBeats = 3, maxJitter = 0.01, minPeriodMs = 5000 } = {},
): Periodicity | undefined {
  if (times.length < minBeats) return undefined;
  const intervals = times.slice(1).map((t, i) => t - times[i]!);
  const mean = intervals.reduce((a, b) => a + b, 0) / intervals.length;
  if (mean < minPeriodMs || intervals.some((d) => Math.abs(d - mean) > mean * maxJitter)) return undefined;
  const sd = Math.sqrt(intervals.reduce((a, b) => a + (b - mean) ** 2, 0) / intervals.length);
  return {
    periodMs: mean,
    jitter: sd / mean,
    occurrences: times.length,
    consistent: times.length,
    fewBeats: true,
  };
}

/**
 * Estimates the period of sorted timestamps, robust to jitter (+-25%) and to missed occurrences:
 * an interval of about k periods (k <= 4) counts as k beats. Undefined when there is no rhythm.
 */
export function detectPeriod(times: readonly number[], minOccurrences = 4): Periodicity | undefined {
  if (times.length < minOccurrences) return undefined;
  const intervals: number[] = [];
  for (let i = 1; i < times.length; i++) {
    const d = times[i]! - times[i - 1]!;
    if (d > 50) intervals.push(d); // bursts within one beat are one action
  }
  if (intervals.length < minOccurrences - 1) return undefined;
  const sorted = [...intervals].sort((a, b) => a - b);
  // The base period is the smallest common interval: take the 25th percentile as the candidate.
  const candidate = sorted[Math.floor(sorted.length * 0.25)]!;
  const normalized: number[] = [];
  let consistent = 0;
  for (const d of intervals) {
    const k = Math.max(1, Math.round(d / candidate));
    const per = d / k;
    if (k <= 4 && Math.abs(per - candidate) <= candidate * 0.25) {
      consistent++;
      normalized.push(per);
    }
  }
  if (consistent < Math.max(minOccurrences - 1, intervals.length * 0.7)) return undefined;
  const mean = normalized.reduce((a, b) => a + b, 0) / normalized.length;
  const sd = Math.sqrt(normalized.reduce((a, b) => a + (b - mean) ** 2, 0) / normalized.length);
  const jitter = sd / mean;
  if (jitter > 0.25) return undefined;
  return { periodMs: mean, jitter, occurrences: times.length, consistent: consistent + 1 };
}
