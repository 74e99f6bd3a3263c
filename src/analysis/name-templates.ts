/**
 * Learns the templates of random file names from the names themselves: mkstemp's `/etc/.tmpA8f3kQ`
 * and `/etc/.tmpZ91xw0` are one file, `/etc/.tmpXXXXXX`, made anew each time. No hand list of
 * prefixes: two names in one directory of the same length, with a common prefix and suffix around
 * a middle of at least MIN_RANDOM characters that differ in most places, teach a template, and
 * every later name that fits it is called by it. Names that differ in a counter or a date
 * (`job-10.out`, `2026-12-07.log`) differ in too few places and keep their own names.
 */
const MIN_RANDOM = 4;
/** The share of a middle's characters that must differ between the two names. */
const MIN_DIFFERING = 0.6;
const NAMES_PER_DIR = 8;
/** How many characters of a learned template's fixed edges a later name may show to be random. */
const MAX_SLIP = 2;
const MAX_DIRS = 1024;
const MAX_TEMPLATES = 256;

interface Template {
  prefix: string;
  suffix: string;
  length: number;
}

/** One directory's recent names and the templates learned there. */
interface DirState {
  names: string[];
  templates: Template[];
}

export class NameTemplates {
  private readonly dirs = new Map<string, DirState>();
  private templates = 0;

  /**
   * The name to key `path` by: its template (`/etc/.tmpXXXXXX`) when it fits one, else itself.
   * `learned`, when this call taught a template, is the earlier name it was learned from, so that
   * a caller can move what it kept under that name to the template.
   */
  of(path: string): { name: string; learned?: string } {
    const slash = path.lastIndexOf("/");
    const dir = path.slice(0, slash + 1);
    const base = path.slice(slash + 1);
    let state = this.dirs.get(dir);
    if (!state) {
      if (this.dirs.size >= MAX_DIRS) return { name: path };
      state = { names: [], templates: [] };
      this.dirs.set(dir, state);
    }
    for (const t of state.templates) if (fits(base, t)) return { name: dir + render(t) };
    // A template learned from two names that shared a random character at its edge
    // (`tmpab3x0`, `tmpQz9k0`: suffix "0") widens when a name differs there.
    for (const t of state.templates) {
      const wider = widen(base, t);
      if (!wider) continue;
      const before = dir + render(t);
      Object.assign(t, wider);
      return { name: dir + render(t), learned: before };
    }
    for (const other of state.names) {
      const t = this.templates < MAX_TEMPLATES ? learn(base, other) : undefined;
      if (!t) continue;
      this.templates++;
      state.templates.push(t);
      state.names = state.names.filter((n) => !fits(n, t));
      return { name: dir + render(t), learned: dir + other };
    }
    if (!state.names.includes(base)) {
      state.names.push(base);
      if (state.names.length > NAMES_PER_DIR) state.names.shift();
    }
    return { name: path };
  }
}

/** `t` with its fixed edges cut back by at most MAX_SLIP characters so that `base` fits it. */
function widen(base: string, t: Template): Template | undefined {
  if (base.length !== t.length) return undefined;
  let p = 0;
  while (p < t.prefix.length && base[p] === t.prefix[p]) p++;
  let s = 0;
  while (s < t.suffix.length && base[base.length - 1 - s] === t.suffix[t.suffix.length - 1 - s]) s++;
  if (t.prefix.length - p > MAX_SLIP || t.suffix.length - s > MAX_SLIP) return undefined;
  return { prefix: base.slice(0, p), suffix: base.slice(base.length - s), length: t.length };
}

const fits = (base: string, t: Template) =>
  base.length === t.length && base.startsWith(t.prefix) && base.endsWith(t.suffix);

const render = (t: Template) =>
  t.prefix + "X".repeat(t.length - t.prefix.length - t.suffix.length) + t.suffix;

const looksRandom = (s: string) =>
  (/\d/.test(s) && /[A-Za-z]/.test(s)) || (/[a-z]/.test(s) && /[A-Z]/.test(s));

/** A template from two names of a directory, when their difference looks random. */
export function learn(a: string, b: string): Template | undefined {
  if (a.length !== b.length || a === b) return undefined;
  let p = 0;
  while (p < a.length && a[p] === b[p]) p++;
  let s = 0;
  while (s < a.length - p && a[a.length - 1 - s] === b[b.length - 1 - s]) s++;
  const middle = a.length - p - s;
  if (middle < MIN_RANDOM) return undefined;
  const ma = a.slice(p, a.length - s);
  const mb = b.slice(p, b.length - s);
  if (!/^[A-Za-z0-9_-]+$/.test(ma) || !/^[A-Za-z0-9_-]+$/.test(mb)) return undefined;
  // Words differ everywhere too (`access` and `errors`): a random part mixes digits and letters,
  // or cases, in one name at least.
  if (!looksRandom(ma) && !looksRandom(mb)) return undefined;
  let differing = 0;
  for (let i = 0; i < middle; i++) if (ma[i] !== mb[i]) differing++;
  if (differing < middle * MIN_DIFFERING) return undefined;
  // A random part starts and ends where the characters start to differ; a name's fixed part may
  // end in characters a random one happened to share, which the template then treats as fixed.
  return { prefix: a.slice(0, p), suffix: a.slice(a.length - s), length: a.length };
}
