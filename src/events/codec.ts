/**
 * A compact form of decoded events, for moving them from a parsing worker thread to the thread that
 * analyses them. Structured clone of the objects would cost the receiver as much as JSON.parse;
 * this form costs it one object built from numbers and strings it already holds.
 *
 * An event is a shape (its keys in order, the type of each value) and its values in one
 * Float64Array: numbers as they are, booleans as 0/1, strings as indexes into a string table that
 * the encoder and its decoder keep in step, string arrays as a length and indexes. Anything else
 * (a nested object, an array of non-strings, a key named `__proto__`) travels as its JSON line and is
 * parsed again, so every value comes out as JSON.parse made it, key order included.
 */

const STRING = 0;
const NUMBER = 1;
const BOOLEAN = 2;
const NULL = 3;
const STRINGS = 4;
type Tag = typeof STRING | typeof NUMBER | typeof BOOLEAN | typeof NULL | typeof STRINGS;

interface Shape {
  readonly keys: string[];
  readonly tags: Tag[];
}

/** One batch of encoded events, as posted from the encoder to its decoder (the buffer transferred). */
export interface EncodedBatch {
  /** The tables were cleared before this batch (they are bounded). */
  reset: boolean;
  strings: string[];
  shapes: Shape[];
  values: Float64Array<ArrayBuffer>;
  /** How many slots of `values` hold events. */
  used: number;
}

/** The tables are cleared when they hold this many strings or characters, so memory stays flat. */
const MAX_STRINGS = 65_536;
const MAX_CHARS = 8 << 20;

function tagOf(v: unknown): Tag | undefined {
  switch (typeof v) {
    case "string":
      return STRING;
    case "number":
      return NUMBER;
    case "boolean":
      return BOOLEAN;
    case "object":
      if (v === null) return NULL;
      if (Array.isArray(v) && v.every((x) => typeof x === "string")) return STRINGS;
      return undefined;
    default:
      return undefined;
  }
}

export class EventEncoder {
  private stringIds = new Map<string, number>();
  private stringCount = 0;
  private chars = 0;
  private readonly shapeIds = new Map<string, number>();
  /** The last shapes seen for each kind: most events match one without building a shape key. */
  private readonly byKind = new Map<unknown, number[]>();
  private shapeList: Shape[] = [];
  private newStrings: string[] = [];
  private newShapes: Shape[] = [];
  private values: Float64Array<ArrayBuffer> = new Float64Array(1 << 16);
  private used = 0;
  private reset = false;

  /** Adds one decoded event (`line` is its text, sent instead when it has no flat shape). */
  add(e: Record<string, unknown>, line: string): void {
    this.room(8);
    const start = this.used;
    const cached = this.byKind.get(e.kind);
    if (cached) {
      for (const id of cached) {
        if (this.writeAs(e, id)) return;
        this.used = start;
      }
    }
    const id = this.shapeFor(e);
    if (id === undefined || !this.writeAs(e, id)) {
      this.used = start;
      // -1 - string index: the whole event as text.
      this.values[this.used++] = -1 - this.newString(line);
    }
  }

  private spare: Float64Array<ArrayBuffer> | undefined;

  /** A batch's values array the decoder is done with, to fill again (fresh memory costs faults). */
  recycle(values: Float64Array<ArrayBuffer>): void {
    this.spare = values;
  }

  /** The batch so far; the encoder starts a new one (bounded tables are cleared between batches). */
  take(): EncodedBatch {
    const batch: EncodedBatch = {
      reset: this.reset,
      strings: this.newStrings,
      shapes: this.newShapes,
      values: this.values,
      used: this.used,
    };
    this.newStrings = [];
    this.newShapes = [];
    const spare = this.spare;
    this.spare = undefined;
    this.values =
      spare && spare.length >= 1 << 16 ? spare : new Float64Array(Math.max(1 << 16, this.used + 64));
    this.used = 0;
    this.reset = false;
    if (this.stringCount >= MAX_STRINGS || this.chars >= MAX_CHARS) {
      this.stringIds = new Map();
      this.stringCount = 0;
      this.chars = 0;
      this.shapeIds.clear();
      this.byKind.clear();
      this.shapeList = [];
      this.reset = true;
    }
    return batch;
  }

  private room(n: number): void {
    if (this.used + n <= this.values.length) return;
    const bigger = new Float64Array(Math.max(this.values.length * 2, this.used + n));
    bigger.set(this.values.subarray(0, this.used));
    this.values = bigger;
  }

  /** Writes `e` as shape `id` if it has that shape; false (with slots written) if not. */
  private writeAs(e: Record<string, unknown>, id: number): boolean {
    const { keys, tags } = this.shapeList[id]!;
    this.values[this.used++] = id;
    let i = 0;
    for (const key in e) {
      if (i === keys.length || key !== keys[i]) return false;
      const v = e[key];
      const tag = tags[i++];
      if (tag === STRING) {
        if (typeof v !== "string") return false;
        this.room(1);
        this.values[this.used++] = this.stringId(v);
      } else if (tag === NUMBER) {
        if (typeof v !== "number") return false;
        this.room(1);
        this.values[this.used++] = v;
      } else if (tag === BOOLEAN) {
        if (typeof v !== "boolean") return false;
        this.room(1);
        this.values[this.used++] = v ? 1 : 0;
      } else if (tag === NULL) {
        if (v !== null) return false;
      } else {
        if (tagOf(v) !== STRINGS) return false;
        const list = v as string[];
        this.room(1 + list.length);
        this.values[this.used++] = list.length;
        for (const s of list) this.values[this.used++] = this.stringId(s);
      }
    }
    return i === keys.length;
  }

  /** The shape of `e`, made and remembered if new; undefined if `e` has none (not flat). */
  private shapeFor(e: Record<string, unknown>): number | undefined {
    const keys: string[] = [];
    const tags: Tag[] = [];
    for (const key in e) {
      const tag = tagOf(e[key]);
      if (tag === undefined || key === "__proto__") return undefined;
      keys.push(key);
      tags.push(tag);
    }
    const name = JSON.stringify([keys, tags]);
    let id = this.shapeIds.get(name);
    if (id === undefined) {
      id = this.shapeList.length;
      const shape = { keys, tags };
      this.shapeList.push(shape);
      this.newShapes.push(shape);
      this.shapeIds.set(name, id);
    }
    const recent = this.byKind.get(e.kind) ?? [];
    // The newest first; a few per kind (with or without an optional field) cover a real stream.
    this.byKind.set(e.kind, [id, ...recent.filter((x) => x !== id)].slice(0, 4));
    return id;
  }

  private stringId(s: string): number {
    const id = this.stringIds.get(s);
    if (id !== undefined) return id;
    const fresh = this.newString(s);
    this.stringIds.set(s, fresh);
    return fresh;
  }

  private newString(s: string): number {
    this.newStrings.push(s);
    this.chars += s.length;
    return this.stringCount++;
  }
}

/** Where a shape's reader is in a batch's values. */
interface Cursor {
  p: number;
}
type ShapeReader = (v: Float64Array, strings: readonly string[], at: Cursor) => Record<string, unknown>;

/**
 * A function that reads one event of `shape`: its values in order into locals, then one object
 * literal with the keys in order, so every event of a shape gets the same hidden class at once
 * (a loop of keyed stores costs the receiving thread several times more). The keys are written as
 * JSON string literals, which are JavaScript string literals: input cannot become code. `__proto__`,
 * which a literal would treat as the prototype, never has a shape.
 */
function readerFor({ keys, tags }: Shape): ShapeReader {
  const lines = ["let p = at.p;"];
  tags.forEach((tag, i) => {
    if (tag === STRING) lines.push(`const x${i} = s[v[p++]];`);
    else if (tag === NUMBER) lines.push(`const x${i} = v[p++];`);
    else if (tag === BOOLEAN) lines.push(`const x${i} = v[p++] === 1;`);
    else if (tag === NULL) lines.push(`const x${i} = null;`);
    else
      lines.push(
        `const x${i} = new Array(v[p++]);`,
        `for (let j = 0; j < x${i}.length; j++) x${i}[j] = s[v[p++]];`,
      );
  });
  lines.push("at.p = p;", `return { ${keys.map((k, i) => `${JSON.stringify(k)}: x${i}`).join(", ")} };`);
  return new Function("v", "s", "at", lines.join("\n")) as ShapeReader;
}

export class EventDecoder {
  private strings: string[] = [];
  private readers: ShapeReader[] = [];
  private readonly at: Cursor = { p: 0 };

  /** Calls `each` with every event of `batch`, in order. */
  decode(batch: EncodedBatch, each: (e: Record<string, unknown>) => void): void {
    if (batch.reset) {
      this.strings = [];
      this.readers = [];
    }
    for (const s of batch.strings) this.strings.push(s);
    for (const s of batch.shapes) {
      if (s.keys.includes("__proto__")) throw new Error("codec: a shape with a __proto__ key");
      this.readers.push(readerFor(s));
    }
    const strings = this.strings;
    const v = batch.values;
    const at = this.at;
    at.p = 0;
    while (at.p < batch.used) {
      const id = v[at.p]!;
      if (id < 0) {
        at.p++;
        each(JSON.parse(strings[-1 - id]!) as Record<string, unknown>);
      } else {
        at.p++;
        each(this.readers[id]!(v, strings, at));
      }
    }
  }
}
