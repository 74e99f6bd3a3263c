/**
 * What grew between two V8 heap snapshots of one process (`node --heapsnapshot-signal=SIGUSR2`,
 * then `kill -USR2 PID` twice):
 *   node dist/bench/heap-diff.js EARLY.heapsnapshot LATE.heapsnapshot [TOP=25]
 * Objects are grouped by what holds them: a node's group is its kind and name (a constructor for
 * objects, a type for strings and arrays) under its first retainer and that one's (each with the
 * edge from it), so that "arrays" splits into "a Map's table in ProcessTable.records" and the like. The
 * groups whose retained self size grew most come first, with their counts.
 */
import { readFileSync } from "node:fs";

interface Snapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[], ...unknown[]];
      edge_fields: string[];
      edge_types: [string[], ...unknown[]];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

interface Group {
  bytes: number;
  count: number;
}

/** Self size and count by group (kind, name, first retainer and edge). */
function groups(file: string): Map<string, Group> {
  const s = JSON.parse(readFileSync(file, "utf8")) as Snapshot;
  const { node_fields, node_types, edge_fields, edge_types } = s.snapshot.meta;
  const nf = node_fields.length;
  const ef = edge_fields.length;
  const [typeOf, nameOf, sizeOf, edgeCountOf] = ["type", "name", "self_size", "edge_count"].map((f) =>
    node_fields.indexOf(f),
  ) as [number, number, number, number];
  const [edgeTypeOf, edgeNameOf, toOf] = ["type", "name_or_index", "to_node"].map((f) =>
    edge_fields.indexOf(f),
  ) as [number, number, number];
  const nodeTypes = node_types[0];
  const edgeTypes = edge_types[0];
  const n = s.nodes.length / nf;
  const label = (i: number): string => {
    const type = nodeTypes[s.nodes[i * nf + typeOf]!]!;
    const name = s.strings[s.nodes[i * nf + nameOf]!]!;
    return type === "object" || type === "closure" || type === "native" || type === "hidden"
      ? `${type}:${name.slice(0, 60)}`
      : type;
  };
  // The first retainer of each node, by a walk of every edge (weak edges do not retain).
  const retainer = new Int32Array(n).fill(-1);
  const retainedAs = new Array<string>(n);
  let e = 0;
  for (let i = 0; i < n; i++) {
    const count = s.nodes[i * nf + edgeCountOf]!;
    for (let k = 0; k < count; k++, e += ef) {
      const et = edgeTypes[s.edges[e + edgeTypeOf]!];
      if (et === "weak" || et === "shortcut") continue;
      const to = s.edges[e + toOf]! / nf;
      if (retainer[to] !== -1) continue;
      retainer[to] = i;
      const nm = s.edges[e + edgeNameOf]!;
      retainedAs[to] = et === "element" || et === "hidden" ? `[${et}]` : `.${s.strings[nm]}`;
    }
  }
  const out = new Map<string, Group>();
  for (let i = 0; i < n; i++) {
    // Two steps up: a Map's table alone does not say whose Map it is.
    let key = label(i);
    for (let j = i, step = 0; step < 2; step++) {
      const r = retainer[j]!;
      key += `  <-${retainedAs[j] ?? ""}-  ${r === -1 ? "(root)" : label(r)}`;
      if (r === -1) break;
      j = r;
    }
    const g = out.get(key) ?? { bytes: 0, count: 0 };
    g.bytes += s.nodes[i * nf + sizeOf]!;
    g.count++;
    out.set(key, g);
  }
  return out;
}

const [early, late, top = "25"] = process.argv.slice(2);
if (!early || !late) {
  process.stderr.write("usage: node dist/bench/heap-diff.js EARLY.heapsnapshot LATE.heapsnapshot [TOP]\n");
  process.exit(2);
}
const a = groups(early);
const b = groups(late);
const total = (m: Map<string, Group>) => [...m.values()].reduce((x, g) => x + g.bytes, 0);
const rows = [...new Set([...a.keys(), ...b.keys()])]
  .map((k) => {
    const x = a.get(k) ?? { bytes: 0, count: 0 };
    const y = b.get(k) ?? { bytes: 0, count: 0 };
    return { k, d: y.bytes - x.bytes, dc: y.count - x.count, y };
  })
  .sort((p, q) => q.d - p.d);
const kib = (x: number) => (x / 1024).toFixed(1);
console.log(`self size: ${kib(total(a))} KiB -> ${kib(total(b))} KiB`);
for (const r of rows.slice(0, Number(top)))
  console.log(
    `${kib(r.d).padStart(9)} KiB ${String(r.dc).padStart(7)} objects (now ${kib(r.y.bytes)} KiB)  ${r.k}`,
  );
