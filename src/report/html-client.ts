/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The code report.html runs in the browser. It is written here as a typed function and inlined
 * into the page with Function.prototype.toString (see html.ts): it must stay self-contained — no
 * import, no closure over module scope — because only its own text reaches the page.
 *
 * No library: the tree is nested <details> (collapsible for free, fast for thousands of nodes)
 * and the timeline is SVG drawn from pre-aggregated buckets, so a million-event session draws as
 * fast as a small one. Every string from the session goes in through textContent, never as HTML.
 */
import type { SessionView } from "../model/session-view.js";

export interface HtmlData {
  target: string;
  started: number;
  ended: number;
  findings: {
    behavior: string;
    flag: string;
    title: string;
    severity: string;
    confidence: string;
    claim: string;
    occurrences: number;
    evidence: { ts: number; pid: number; comm: string; sensor: string; summary: string }[];
    reasoning: string;
    impact: string;
    visibilityGap: string;
    attack: string[];
  }[];
  notices: string[];
  view: SessionView;
}

export function reportClient(data: HtmlData): void {
  const $ = (sel: string) => document.querySelector(sel) as HTMLElement;
  const el = (tag: string, cls?: string, text?: string): HTMLElement => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const svgNs = "http://www.w3.org/2000/svg";
  const svg = (tag: string, attrs: Record<string, string | number>): SVGElement => {
    const e = document.createElementNS(svgNs, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    return e;
  };
  const fmtT = (ms: number) => `+${((ms - data.started) / 1000).toFixed(1)} s`;

  // ---- selection: a process, and a moment ----
  let selectedPid: number | undefined;
  let cursor: number | undefined;
  const nodeOf = new Map<number, HTMLElement>();
  function select(pid: number | undefined, ts?: number): void {
    for (const n of document.querySelectorAll(".proc.selected")) n.classList.remove("selected");
    selectedPid = pid;
    const node = pid !== undefined ? nodeOf.get(pid) : undefined;
    if (node) {
      node.classList.add("selected");
      for (let p = node.parentElement; p; p = p.parentElement)
        if (p.tagName === "DETAILS") (p as HTMLDetailsElement).open = true;
      node.scrollIntoView({ block: "nearest" });
    }
    $("#selection").textContent =
      pid === undefined
        ? ""
        : `selected: pid ${pid}${node ? "" : " (not in the process table)"}${ts !== undefined ? ` at ${fmtT(ts)}` : ""}`;
    cursor = ts;
    drawTimeline();
  }

  // ---- findings ----
  const findingsBox = $("#findings");
  if (!data.findings.length)
    findingsBox.append(el("p", "empty", "No finding: none of the ten behaviours was observed."));
  for (const f of data.findings) {
    const sec = el("section", `finding sev-${f.severity}`);
    sec.dataset.behavior = f.behavior;
    const h = el("h3");
    h.append(
      el("span", "flag", f.flag),
      el("span", "title", ` ${f.title} `),
      el("span", `badge ${f.severity}`, f.severity),
    );
    sec.append(
      h,
      el(
        "p",
        "meta",
        `${f.behavior} · ${f.occurrences} occurrence(s) · confidence ${f.confidence} · ATT&CK ${f.attack.join(", ")}`,
      ),
    );
    const part = (name: string, text: string) => {
      const d = el("div", "part");
      d.append(el("h4", undefined, name), el("p", undefined, text));
      return d;
    };
    sec.append(part("Claim", f.claim));
    const evBox = el("div", "part");
    evBox.append(el("h4", undefined, "Evidence"));
    const ul = el("ul", "evidence");
    for (const ev of f.evidence) {
      const li = el("li", "ev");
      li.dataset.pid = String(ev.pid);
      li.dataset.ts = String(data.started + ev.ts * 1000);
      li.tabIndex = 0;
      li.append(
        el("span", "when", `+${ev.ts.toFixed(1)} s`),
        el("span", "who", ` ${ev.comm}[${ev.pid}] `),
        el("span", "sensor", ev.sensor),
        el("span", "what", ` ${ev.summary}`),
      );
      const go = () => select(ev.pid, data.started + ev.ts * 1000);
      li.addEventListener("click", go);
      li.addEventListener("keydown", (k) => {
        if (k.key === "Enter") go();
      });
      ul.append(li);
    }
    evBox.append(ul);
    sec.append(
      evBox,
      part("Reasoning", f.reasoning),
      part("Security Impact", f.impact),
      part("Visibility Gap", f.visibilityGap),
    );
    findingsBox.append(sec);
  }

  // ---- process tree ----
  const procs = data.view.processes;
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  const kids = new Map<number, typeof procs>();
  const roots: typeof procs = [];
  const detached: typeof procs = [];
  for (const p of procs) {
    if (p.detached && p.pid !== data.view.rootPid) detached.push(p);
    else if (p.ppid !== undefined && byPid.has(p.ppid) && p.pid !== data.view.rootPid) {
      const list = kids.get(p.ppid) ?? [];
      list.push(p);
      kids.set(p.ppid, list);
    } else roots.push(p);
  }
  const base = (s: string | undefined) => (s ?? "").split("/").pop() ?? "";
  function nodeFor(p: (typeof procs)[number], depth: number): HTMLElement {
    const children = kids.get(p.pid) ?? [];
    const line = el("span", "proc");
    line.dataset.pid = String(p.pid);
    nodeOf.set(p.pid, line);
    line.append(el("span", "pid", String(p.pid)), el("span", "comm", ` ${p.comm ?? "?"}`));
    if (p.exe && base(p.exe) !== p.comm) line.append(el("span", "exe", ` ${p.exe}`));
    if (p.detached && p.comm && p.exe && base(p.exe) !== p.comm.replace(/^\[|\]$/g, ""))
      line.append(el("span", "masq", ` masquerades as ${p.comm} (runs ${base(p.exe)})`));
    if (p.uid) line.append(el("span", "uid", ` uid ${p.uid[1] ?? p.uid[0]}`));
    if (p.capsChanged !== undefined)
      line.append(
        el(
          "span",
          p.capsChanged ? "caps changed" : "caps",
          p.capsChanged ? " caps changed" : " caps as parent",
        ),
      );
    if (p.exit) line.append(el("span", "exit", ` ended: ${p.exit}`));
    for (const b of p.findings) line.append(el("span", "cited", b));
    if (p.findings.length) line.classList.add("named");
    line.title = (p.argv ?? []).join(" ");
    line.addEventListener("click", (e) => {
      e.preventDefault();
      select(p.pid);
    });
    if (!children.length) {
      const leaf = el("div", "leaf");
      leaf.append(line);
      return leaf;
    }
    const d = document.createElement("details");
    // Hundreds of children: folded until asked for.
    d.open = depth < 3 && children.length <= 25;
    const s = document.createElement("summary");
    s.append(line, el("span", "count", ` (${children.length})`));
    d.append(s);
    for (const c of children) d.append(nodeFor(c, depth + 1));
    return d;
  }
  const tree = $("#tree");
  for (const r of roots) tree.append(nodeFor(r, 0));
  if (detached.length) {
    const box = el("div", "detached");
    box.append(el("h4", undefined, "Detached from the tree (reparented or in a session of their own)"));
    for (const d of detached) {
      const n = nodeFor(d, 0);
      n.classList.add("orphan");
      box.append(n);
    }
    tree.append(box);
  }

  // ---- timeline ----
  const tl = data.view.timeline;
  let v0 = tl.start;
  let v1 = tl.end;
  const W = 1000;
  const LANE_H = 34;
  const LEFT = 90;
  const host = $("#timeline");
  function drawTimeline(): void {
    const lanes = tl.lanes;
    const rows = lanes.length + (tl.rhythms.length ? tl.rhythms.length : 0);
    const H = rows * LANE_H + 24;
    const root = svg("svg", { viewBox: `0 0 ${W + LEFT} ${H}`, width: "100%", role: "img" });
    const x = (t: number) => LEFT + ((t - v0) / (v1 - v0)) * W;
    const inView = (t: number) => t >= v0 && t <= v1;
    for (const s of tl.shades) {
      const a = Math.max(s.from, v0);
      const b = Math.min(s.to, v1);
      if (b <= a) continue;
      const r = svg("rect", {
        x: x(a),
        y: 0,
        width: Math.max(1, x(b) - x(a)),
        height: H - 20,
        class: `shade ${s.kind}`,
      });
      const t = svg("title", {});
      t.textContent = s.label;
      r.append(t);
      root.append(r);
    }
    lanes.forEach((lane, i) => {
      const y = i * LANE_H;
      const label = svg("text", { x: 4, y: y + 20, class: "lane-label" });
      label.textContent = lane.name;
      root.append(
        label,
        svg("line", { x1: LEFT, x2: LEFT + W, y1: y + LANE_H, y2: y + LANE_H, class: "lane-rule" }),
      );
      const max = Math.max(1, ...lane.counts);
      const bw = W / lane.counts.length;
      let d = "";
      lane.counts.forEach((c, j) => {
        if (!c) return;
        const t = tl.start + j * tl.bucketMs;
        if (t + tl.bucketMs < v0 || t > v1) return;
        const h = Math.max(2, (Math.log1p(c) / Math.log1p(max)) * (LANE_H - 8));
        d += `M${x(t).toFixed(1)} ${y + LANE_H - 2}v${(-h).toFixed(1)}h${Math.max(1, bw * ((tl.end - tl.start) / (v1 - v0))).toFixed(1)}v${h.toFixed(1)}z`;
      });
      root.append(svg("path", { d, class: `bars lane-${lane.name}` }));
      for (const m of tl.marks) {
        if (m.lane !== lane.name || !inView(m.ts)) continue;
        const mk = svg("rect", {
          x: x(m.ts) - 1,
          y: y + 3,
          width: 2,
          height: LANE_H - 10,
          class: `mark${m.pid === selectedPid ? " sel" : ""}`,
        });
        mk.dataset.pid = String(m.pid);
        const t = svg("title", {});
        t.textContent = `${fmtT(m.ts)} pid ${m.pid}: ${m.label}`;
        mk.append(t);
        mk.addEventListener("click", () => select(m.pid, m.ts));
        root.append(mk);
      }
    });
    tl.rhythms.forEach((r, i) => {
      const y = (lanes.length + i) * LANE_H;
      const label = svg("text", { x: 4, y: y + 14, class: "lane-label rhythm" });
      label.textContent = "rhythm";
      const caption = svg("text", { x: LEFT + 4, y: y + 12, class: "rhythm-caption" });
      caption.textContent = `${r.label}: every ${(r.periodMs / 1000).toFixed(2)} s ±${(r.jitter * 100).toFixed(0)}% (${r.beats.length} beats)`;
      root.append(label, caption);
      for (const b of r.beats) {
        if (!inView(b)) continue;
        const band = (r.periodMs * r.jitter * W) / (v1 - v0);
        root.append(
          svg("rect", {
            x: x(b) - band,
            y: y + 16,
            width: Math.max(2, band * 2),
            height: 12,
            class: "jitter",
          }),
        );
        root.append(svg("rect", { x: x(b) - 1, y: y + 14, width: 2, height: 16, class: "beat" }));
      }
    });
    if (cursor !== undefined && inView(cursor))
      root.append(svg("line", { x1: x(cursor), x2: x(cursor), y1: 0, y2: H - 20, class: "cursor" }));
    const axis = svg("text", { x: LEFT, y: H - 6, class: "axis" });
    axis.textContent = `${fmtT(v0)} … ${fmtT(v1)} (${((v1 - v0) / 1000).toFixed(1)} s shown)`;
    root.append(axis);
    host.replaceChildren(root);
  }
  const zoom = (factor: number, at = (v0 + v1) / 2) => {
    const span = Math.min(tl.end - tl.start, Math.max(50, (v1 - v0) * factor));
    v0 = Math.max(tl.start, at - span / 2);
    v1 = Math.min(tl.end, v0 + span);
    v0 = Math.max(tl.start, v1 - span);
    drawTimeline();
  };
  $("#zoom-in").addEventListener("click", () => zoom(0.5, cursor));
  $("#zoom-out").addEventListener("click", () => zoom(2));
  $("#zoom-reset").addEventListener("click", () => {
    v0 = tl.start;
    v1 = tl.end;
    drawTimeline();
  });
  host.addEventListener(
    "wheel",
    (e) => {
      e.preventDefault();
      const box = host.getBoundingClientRect();
      const frac = Math.min(
        1,
        Math.max(0, ((e.clientX - box.left) / box.width) * ((W + LEFT) / W) - LEFT / W),
      );
      zoom(e.deltaY < 0 ? 0.7 : 1.4, v0 + frac * (v1 - v0));
    },
    { passive: false },
  );
  drawTimeline();
}
