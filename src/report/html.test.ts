import { test } from "node:test";
import assert from "node:assert/strict";
import { renderHtml, scriptJson } from "./html.js";
import type { ReportModel } from "../model/report-model.js";

test("data inside <script> cannot close it, and markup in the session is text", () => {
  assert.equal(scriptJson({ a: "</script><script>alert(1)</script>" }).includes("</script"), false);
  const model: ReportModel = {
    target: { kind: "command", label: "<img src=x onerror=alert(1)>" },
    started: 0,
    ended: 1000,
    sensors: [],
    events: 1,
    processes: 0,
    findings: [],
    notFound: [],
  };
  const html = renderHtml(model, {
    processes: [],
    timeline: { start: 0, end: 1000, bucketMs: 1, lanes: [], marks: [], shades: [], rhythms: [] },
  });
  assert.equal(html.includes("<img src=x"), false);
  assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt;/);
  assert.doesNotMatch(html, /<script[^>]*src=/);
});
