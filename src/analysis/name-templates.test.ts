import { test } from "node:test";
import assert from "node:assert/strict";
import { NameTemplates, learn } from "./name-templates.js";

test("random parts of names made anew (mkstemp, mktemp, tempfile) become one template", () => {
  const t = new NameTemplates();
  assert.deepEqual(t.of("/etc/.tmpA8f3kQ"), { name: "/etc/.tmpA8f3kQ" });
  assert.deepEqual(t.of("/etc/.tmpZ91xw0"), { name: "/etc/.tmpXXXXXX", learned: "/etc/.tmpA8f3kQ" });
  assert.deepEqual(t.of("/etc/.tmpq0PLm2"), { name: "/etc/.tmpXXXXXX" });
  t.of("/var/lib/app/tmp.abc123xyzq");
  assert.equal(t.of("/var/lib/app/tmp.Q9d8e7f6g5").name, "/var/lib/app/tmp.XXXXXXXXXX");
  t.of("/tmp/tmpk3j2h1g0.json");
  assert.equal(t.of("/tmp/tmp9zq8w7x6.json").name, "/tmp/tmpXXXXXXXX.json");
  // Another directory learns its own.
  assert.equal(t.of("/srv/.tmpA8f3kQ").name, "/srv/.tmpA8f3kQ");
});

test("names that differ in a counter, a date or a word keep their exact names", () => {
  const t = new NameTemplates();
  for (const p of [
    "/var/log/app/2026-12-07.log",
    "/var/log/app/2026-12-08.log",
    "/tmp/job-10.out",
    "/tmp/job-11.out",
    "/etc/app/a.conf",
    "/etc/app/b.conf",
    "/run/app/worker-1.pid",
    "/run/app/worker-2.pid",
  ])
    assert.equal(t.of(p).name, p);
  assert.equal(learn("access.log", "errors.log"), undefined, "different words are different files");
  assert.equal(learn("job-123456", "job-123457"), undefined, "a counter differs in one place");
});

test("a template learned from names that shared a random edge character widens to the next name", () => {
  const t = new NameTemplates();
  t.of("/tmp/tick-stdout---supervisor-ab3xq9k0.log");
  assert.equal(
    t.of("/tmp/tick-stdout---supervisor-Qz8mw2p0.log").name,
    "/tmp/tick-stdout---supervisor-XXXXXXX0.log",
  );
  assert.deepEqual(t.of("/tmp/tick-stdout---supervisor-r7nd4kfe.log"), {
    name: "/tmp/tick-stdout---supervisor-XXXXXXXX.log",
    learned: "/tmp/tick-stdout---supervisor-XXXXXXX0.log",
  });
  assert.equal(
    t.of("/tmp/tick-stdout---supervisor-0000aaaa.log").name,
    "/tmp/tick-stdout---supervisor-XXXXXXXX.log",
  );
});
