import { test } from "node:test";
import assert from "node:assert/strict";
import { entropy, scanSecrets } from "./scan.js";

// Fake values assembled at run time so that no secret-looking literal sits in the repository.
const fakeAws = "AKIA" + "FAKE" + "ABCDEFGH2345";
const fakeJwt = ["eyJhbGciOiJIUzI1NiJ9", "eyJzdWIiOiJmYWtlIn0", "c2lnbmF0dXJlZmFrZQ"].join(".");

test("finds each kind of credential and never returns the value", () => {
  const text = [
    "db_password=FAKE-0123456789",
    `aws_access_key_id=${fakeAws}`,
    `auth: ${fakeJwt}`,
    "api_token=imd_FAKE_abcdefghijklmnopqrstuvwxyz",
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEFAKEFAKEFAKEFAKEFAKE\n-----END RSA PRIVATE KEY-----",
  ].join("\n");
  const hits = scanSecrets(text);
  const kinds = new Set(hits.map((h) => h.kind));
  for (const k of ["password", "aws-access-key-id", "jwt", "api-token", "pem-private-key"])
    assert.ok(kinds.has(k), k);
  const serialized = JSON.stringify(hits);
  for (const secret of ["FAKE-0123456789", fakeAws, fakeJwt]) assert.ok(!serialized.includes(secret));
  assert.equal(hits.find((h) => h.kind === "aws-access-key-id")?.line, 2);
});

test("plain config and prose are not secrets", () => {
  for (const text of [
    "tick_ms = 2000\nhelpers = true\n",
    "password policy: see the wiki\n",
    "generation = 42\n",
    "password=%s\\n token=${TOKEN} secret=**** api_key=<your key>\n",
  ]) {
    assert.deepEqual(scanSecrets(text), [], text);
  }
});

test("high-entropy values count; low-entropy ones do not", () => {
  assert.ok(entropy("aaaaaaaaaaaaaaaaaaaaaaaa") < 1);
  assert.equal(
    scanSecrets("session_blob = Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZg\n")[0]?.kind,
    "high-entropy-value",
  );
  assert.deepEqual(scanSecrets("name = aaaaaaaaaaaaaaaaaaaaaaaaaaa\n"), []);
});
