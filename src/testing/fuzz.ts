import fc from "fast-check";

/**
 * Lines an attacker or a broken capture could hand a parser: real samples cut, spliced, with
 * characters replaced or inserted, mixed with arbitrary text (control characters, unicode).
 */
export function hostileLines(samples: readonly string[]): fc.Arbitrary<string> {
  const sample = fc.constantFrom(...samples);
  const cut = fc.tuple(sample, fc.nat()).map(([s, n]) => s.slice(0, n % (s.length + 1)));
  const spliced = fc
    .tuple(sample, fc.nat(), fc.string({ unit: "binary", maxLength: 12 }))
    .map(([s, n, junk]) => {
      const at = n % (s.length + 1);
      return s.slice(0, at) + junk + s.slice(at + (n % 3));
    });
  const joined = fc.tuple(sample, sample, fc.nat()).map(([a, b, n]) => a.slice(0, n % (a.length + 1)) + b);
  return fc.oneof(
    { weight: 3, arbitrary: spliced },
    { weight: 2, arbitrary: cut },
    { weight: 1, arbitrary: joined },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 200 }) },
    { weight: 1, arbitrary: sample },
  );
}

/** Runs enough cases to matter and few enough for the suite; FUZZ_RUNS=N for a longer session. */
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 2000);
