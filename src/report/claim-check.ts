import type { Finding } from "../model/finding.js";

const PLURALS = new Set([
  "executions",
  "occurrences",
  "files",
  "times",
  "connections",
  "children",
  "accesses",
  "kinds",
  "descendants",
]);

/**
 * What is wrong with the numbers in a finding's claim, if anything: a breakdown ("N executions:
 * a shell, b utility") must add up to N, the leading count must be the occurrence count, and
 * nouns must agree with their number. Empty when the claim is consistent.
 */
export function claimProblems(f: Pick<Finding, "claim" | "occurrences">): string[] {
  const problems: string[] = [];
  for (const m of f.claim.matchAll(/\((\d+) ([\w ]+?): ([^)]*)\)/g)) {
    const total = Number(m[1]);
    const parts = [...m[3]!.matchAll(/(?:^|, )(\d+) /g)].map((p) => Number(p[1]));
    const sum = parts.reduce((a, b) => a + b, 0);
    if (parts.length > 0 && sum !== total)
      problems.push(`"${m[0]}": the parts add up to ${sum}, not ${total}`);
  }
  const first = /\((\d+) /.exec(f.claim) ?? /(\d+) (?:detached|kinds?|times?\b)/.exec(f.claim);
  const counts = [...f.claim.matchAll(/\b(\d+) (\w+)/g)].map((m) => Number(m[1]));
  if (first && !counts.includes(f.occurrences))
    problems.push(`no number in the claim is the occurrence count ${f.occurrences}`);
  for (const m of f.claim.matchAll(/\b(\d+) (\w+)/g)) {
    const [n, word] = [Number(m[1]), m[2]!];
    if (n === 1 && PLURALS.has(word)) problems.push(`"${m[0]}": singular count, plural noun`);
    if (n !== 1 && PLURALS.has(`${word}s`)) problems.push(`"${m[0]}": plural count, singular noun`);
  }
  for (const m of f.claim.matchAll(/\b\w*(?:sss|ss s)\b/g)) problems.push(`"${m[0]}": misspelt plural`);
  return problems;
}
