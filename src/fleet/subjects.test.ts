import assert from "node:assert/strict";
import { test } from "node:test";
import { checkHostName, defaultHostName, isToken, parseSubject, sessionName, subjectOf } from "./subjects.js";

test("a subject round-trips through parseSubject", () => {
  const s = subjectOf("web-1", "imd_2026-ab12", "events");
  assert.equal(s, "shadow.web-1.imd_2026-ab12.events");
  assert.deepEqual(parseSubject(s), { host: "web-1", session: "imd_2026-ab12", kind: "events" });
});

test("names that could climb out of the collector's dir or widen a subscription are refused", () => {
  for (const bad of ["..", "a/b", "a.b", "*", ">", "", "x".repeat(65), "a b"])
    assert.equal(isToken(bad), false, bad);
  assert.equal(parseSubject("shadow.h.s.other"), undefined);
  assert.equal(parseSubject("shadow.h.s"), undefined);
  assert.equal(parseSubject("other.h.s.start"), undefined);
  assert.throws(() => checkHostName("web.1"), /--host/);
  assert.equal(checkHostName("web_1"), "web_1");
});

test("default host and session names are tokens; two sessions from one out dir differ", () => {
  assert.ok(isToken(defaultHostName()));
  const a = sessionName("/tmp/x/2026-11-26T21-00-00-imd.conf-ab12");
  const b = sessionName("/tmp/x/2026-11-26T21-00-00-imd.conf-ab12");
  assert.ok(isToken(a) && isToken(b));
  assert.notEqual(a, b);
  assert.match(a, /^2026-11-26T21-00-00-imd_conf-ab12-[0-9a-f]{8}$/);
});
