import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { FUZZ_RUNS } from "../testing/fuzz.js";
import { redactArgv, redactText } from "./redact.js";
import { plantedSecret } from "../testing/planted-secrets.js";

test("fuzz: a key=value secret in any shell or interpreter quoting never survives argv redaction", () => {
  fc.assert(
    fc.property(plantedSecret, ({ argv, value }) => {
      const red = redactArgv(argv);
      const text = red.join("\0");
      assert.ok(!text.includes(value), `${JSON.stringify(argv)} -> ${JSON.stringify(red)}`);
      assert.match(text, /#[0-9a-f]{10}/);
      assert.equal(red[0], argv[0], "the program name stays");
      // Redacting twice changes nothing more.
      assert.deepEqual(redactArgv(red), red);
    }),
    { numRuns: FUZZ_RUNS },
  );
});

test("fuzz: the same strings as file text (a script written to /tmp) are redacted too", () => {
  fc.assert(
    fc.property(plantedSecret, ({ argv, value }) => {
      const text = argv.slice(1).join(" ");
      assert.ok(!redactText(text).includes(value), `${text} -> ${redactText(text)}`);
    }),
    { numRuns: FUZZ_RUNS },
  );
});
