import { COMMON_FIELDS, EVENT_KINDS, SENSOR_NAMES, type FieldSpec, type ShadowEvent } from "./schema.js";
import { fail, ok, type Result } from "../util/result.js";

// Compiled once: a flat list of [field, type, optional] per kind, so validation is a tight loop
// (analysis must keep up with hundreds of thousands of events a second).
type Check = readonly [name: string, type: string, optional: boolean];
const compile = (spec: FieldSpec): Check[] =>
  Object.entries(spec).map(([name, t]) => [name, t.replace("?", ""), t.endsWith("?")] as const);
const COMMON = compile(COMMON_FIELDS);
const BY_KIND = new Map<string, Check[]>(
  Object.entries(EVENT_KINDS).map(([kind, spec]) => [kind, compile(spec as FieldSpec)]),
);
const SENSORS = new Set<string>(SENSOR_NAMES);

function checkField(value: unknown, type: string): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "int":
      return Number.isSafeInteger(value);
    case "boolean":
      return typeof value === "boolean";
    case "string[]":
      return Array.isArray(value) && value.every((v) => typeof v === "string");
    default:
      return false;
  }
}

function checkAll(obj: Record<string, unknown>, checks: Check[]): Result<true> {
  for (const [name, type, optional] of checks) {
    const value = obj[name];
    if (value === undefined) {
      if (optional) continue;
      return fail({ code: "missing_field", message: `missing field '${name}'`, path: [name] });
    }
    if (!checkField(value, type)) {
      const expected = type === "int" ? "a whole number" : type;
      return fail({ code: "invalid_type", message: `field '${name}' should be ${expected}`, path: [name] });
    }
  }
  return ok(true);
}

/**
 * A field's value for an error message. String() is not safe on hostile input: a decoded object
 * such as {"toString": []} makes it throw, and a validator must reject, not throw.
 */
function quoted(value: unknown): string {
  if (typeof value === "string") return `'${value.length > 64 ? `${value.slice(0, 64)}…` : value}'`;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  text ??= typeof value;
  return text.length > 64 ? `${text.slice(0, 64)}…` : text;
}

/** One field's check as a JavaScript expression over `v`. */
function checkCode(type: string): string {
  switch (type) {
    case "string":
      return `typeof v === "string"`;
    case "number":
      return `typeof v === "number" && Number.isFinite(v)`;
    case "int":
      return `Number.isSafeInteger(v)`;
    case "boolean":
      return `typeof v === "boolean"`;
    case "string[]":
      return `Array.isArray(v) && v.every((x) => typeof x === "string")`;
    default:
      return "false";
  }
}

/**
 * The same checks as checkAll, compiled per kind into one function of direct property loads: the
 * loop over field names above makes every load a keyed one, which cost a fifth of parsing an
 * events.jsonl. Built from our schema alone (names as JSON string literals), never from input.
 * It answers only yes or no: on no, the loop says what is wrong, with the same words as ever.
 */
type Valid = (o: Record<string, unknown>, sensors: Set<string>) => boolean;
function compileValid(spec: FieldSpec): Valid {
  const lines = ["let v;"];
  for (const [name, type, optional] of [...COMMON, ...compile(spec)]) {
    lines.push(`v = o[${JSON.stringify(name)}];`);
    const ok = checkCode(type);
    lines.push(optional ? `if (v !== undefined && !(${ok})) return false;` : `if (!(${ok})) return false;`);
    if (name === "sensor") lines.push("if (!sensors.has(v)) return false;");
  }
  lines.push("return true;");
  return new Function("o", "sensors", lines.join("\n")) as Valid;
}
const VALID = new Map<string, Valid>(
  Object.entries(EVENT_KINDS).map(([kind, spec]) => [kind, compileValid(spec as FieldSpec)]),
);

/** Validates one decoded JSON value as a normalized event. Unknown extra fields are kept. */
export function validateEvent(value: unknown): Result<ShadowEvent> {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    const valid = typeof obj.kind === "string" ? VALID.get(obj.kind) : undefined;
    if (valid?.(obj, SENSORS)) return ok(obj as unknown as ShadowEvent);
  }
  return explainEvent(value);
}

/**
 * The reference validation, check by check: why `value` is not an event (the first failed check,
 * in the schema's order). validateEvent asks it whenever the compiled checks say no.
 */
export function explainEvent(value: unknown): Result<ShadowEvent> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return fail({ code: "not_object", message: "an event must be a JSON object" });
  }
  const obj = value as Record<string, unknown>;
  const checks = typeof obj.kind === "string" ? BY_KIND.get(obj.kind) : undefined;
  if (!checks)
    return fail({
      code: "unknown_kind",
      message: `unknown event kind ${quoted(obj.kind)}`,
      path: ["kind"],
    });
  const common = checkAll(obj, COMMON);
  if (!common.success) return common;
  if (!SENSORS.has(obj.sensor as string)) {
    return fail({
      code: "unknown_sensor",
      message: `unknown sensor ${quoted(obj.sensor)}`,
      path: ["sensor"],
    });
  }
  const specific = checkAll(obj, checks);
  if (!specific.success) return specific;
  return ok(obj as unknown as ShadowEvent);
}
