/**
 * See and compare, on live lab sessions: report.html in Debian's chromium (tree, timeline,
 * selection, no console error), SARIF 2.1.0 against its schema, the ATT&CK layer, `diff` and its
 * exit codes, and the dashboard (list, open, compare, traversal refused).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { isRoot, runCli, servedUrl, startCli } from "../src/testing/cli.js";

const CHROMIUM = "/usr/bin/chromium";
/** A checkout under /tmp (a fresh clone): IMD then runs code from a writable place. */
const REPO_IN_TMP = /^\/(var\/)?tmp\//.test(fileURLToPath(new URL("../../", import.meta.url)));
const require = createRequire(import.meta.url);
const hasModule = (m: string) => {
  try {
    require.resolve(m);
    return true;
  } catch {
    return false;
  }
};
const liveSkip = isRoot ? false : "needs root (the lab's sensors)";
const browserSkip =
  liveSkip || (!existsSync(CHROMIUM) ? "Debian's chromium is not installed (npm run setup)" : false);

let dir = "";
const lab = (name: string) => path.join(dir, name);

async function browser() {
  const { chromium } = await import("playwright-core");
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

describe("see and compare", { concurrency: false }, () => {
  before(() => {
    if (liveSkip) return;
    dir = mkdtempSync(path.join(os.tmpdir(), "see-compare-"));
    // The full lab, the lab with two behaviours off, and the benign control.
    for (const [name, args] of [
      ["full", ["--duration", "20s"]],
      ["reduced", ["--duration", "20s", "--imd-set", "plugin=false", "--imd-set", "temp_secrets=false"]],
      ["benign", ["--benign", "--duration", "10s"]],
    ] as const) {
      const r = runCli(["lab", ...args, "--out", lab(name)], 120_000);
      assert.equal(r.status, 0, r.stderr);
    }
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test(
    "every session writes report.html, report.sarif and attack-layer.json, 0600, no secret value",
    { skip: liveSkip },
    () => {
      for (const f of ["report.html", "report.sarif", "attack-layer.json"]) {
        const file = path.join(lab("full"), f);
        assert.ok(existsSync(file), f);
        const text = readFileSync(file, "utf8");
        assert.doesNotMatch(text, /FAKE-/, `${f} holds a secret value`);
      }
      const html = readFileSync(path.join(lab("full"), "report.html"), "utf8");
      assert.doesNotMatch(
        html,
        /<script[^>]+src=|<link[^>]+href=|https?:\/\/(?!www\.w3\.org)/,
        "report.html reaches the network",
      );
    },
  );

  test(
    "report.sarif is valid SARIF 2.1.0; the layer names the findings' techniques",
    { skip: liveSkip || (!hasModule("ajv-draft-04") ? "ajv-draft-04 missing" : false) },
    async () => {
      // CommonJS: the class is the module itself.
      type Validate = ((data: unknown) => boolean) & { errors?: unknown };
      const Ajv = require("ajv-draft-04") as new (o: object) => {
        compile(schema: object): Validate;
        errorsText(errors?: unknown): string;
      };
      const schema = JSON.parse(
        readFileSync(require.resolve("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json"), "utf8"),
      );
      const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
      const validate = ajv.compile(schema);
      for (const name of ["full", "benign"]) {
        const sarif = JSON.parse(readFileSync(path.join(lab(name), "report.sarif"), "utf8")) as {
          runs: { tool: { driver: { rules: unknown[] } } }[];
        };
        assert.ok(validate(sarif), `${name}: ${ajv.errorsText(validate.errors)}`);
        assert.equal(sarif.runs[0]!.tool.driver.rules.length, 10);
      }
      const full = JSON.parse(readFileSync(path.join(lab("full"), "report.sarif"), "utf8"));
      const results = full.runs[0].results as {
        ruleId: string;
        level: string;
        locations?: { physicalLocation: { artifactLocation: { uri: string } } }[];
      }[];
      assert.equal(results.length, 10);
      const secret = results.find((r) => r.ruleId === "plaintext-secret-in-temp");
      assert.equal(secret?.level, "error");
      assert.match(
        secret?.locations?.[0]?.physicalLocation.artifactLocation.uri ?? "",
        /^file:\/\/\/tmp\/\.imd-credentials\.cache$/,
      );
      const layer = JSON.parse(readFileSync(path.join(lab("full"), "attack-layer.json"), "utf8"));
      assert.equal(layer.domain, "enterprise-attack");
      assert.ok(layer.techniques.some((t: { techniqueID: string }) => t.techniqueID === "T1552.001"));
    },
  );

  test(
    "diff: exit 1 when B has something new, 0 when not, 2 on error; gone and new named per behaviour",
    { skip: liveSkip },
    () => {
      const more = runCli(["diff", lab("reduced"), lab("full"), "--out", path.join(dir, "diff-out")]);
      assert.equal(more.status, 1, more.stderr);
      // IMD run from a checkout under /tmp reads its own code from a writable place: the
      // mutable-artifact finding is there without the plugin too, only its occurrences change.
      if (!REPO_IN_TMP) assert.match(more.stdout, /NEW mutable-artifact-dependency/);
      assert.match(more.stdout, /## executables[\s\S]*NEW \/tmp\/imd-plugins\/refresh\.sh/);
      assert.match(more.stdout, /NEW plaintext-secret-in-temp/);
      assert.match(more.stdout, /## written paths[\s\S]*NEW \/tmp\/imd-plugins\/refresh\.sh/);
      assert.match(more.stdout, /## secret kinds[\s\S]*NEW password/);
      for (const f of ["diff.md", "diff.json", "diff.html"])
        assert.ok(existsSync(path.join(dir, "diff-out", f)));
      const less = runCli(["diff", lab("full"), lab("reduced"), "--json"]);
      assert.equal(less.status, 0, less.stdout);
      const d = JSON.parse(less.stdout) as { goneBehaviors: { behavior: string }[]; somethingNew: boolean };
      assert.deepEqual(
        d.goneBehaviors.map((g) => g.behavior).sort(),
        REPO_IN_TMP
          ? ["plaintext-secret-in-temp"]
          : ["mutable-artifact-dependency", "plaintext-secret-in-temp"],
      );
      assert.equal(runCli(["diff", lab("benign"), lab("full")]).status, 1);
      assert.equal(runCli(["diff", lab("full"), lab("benign")]).status, 0);
      assert.equal(runCli(["diff", lab("full"), lab("full")]).status, 0, "a session against itself");
      assert.equal(runCli(["diff", lab("full")]).status, 2);
      assert.equal(runCli(["diff", lab("full"), path.join(dir, "nothing")]).status, 2);
    },
  );

  test(
    "report.html in chromium: the orphan detached, the rhythm drawn, evidence selects its process, no console error",
    { skip: browserSkip, timeout: 120_000 },
    async () => {
      const b = await browser();
      try {
        for (const name of ["full", "benign"]) {
          const page = await b.newPage({ viewport: { width: 1500, height: 1100 } });
          const errors: string[] = [];
          page.on("console", (m) => {
            if (m.type() === "error") errors.push(m.text());
          });
          page.on("pageerror", (e) => errors.push(e.message));
          await page.goto(`file://${path.join(lab(name), "report.html")}`);
          await page.waitForSelector("#timeline svg");
          if (name === "full") {
            const orphan = page.locator(".detached .proc", { hasText: "[kworker/u8:3-imd]" });
            assert.equal(await orphan.count(), 1, "the orphan is not drawn detached");
            assert.match(
              (await orphan.textContent()) ?? "",
              /masquerades as \[kworker\/u8:3-imd\] \(runs node\)/,
            );
            assert.ok((await page.locator(".beat").count()) >= 3, "no beats drawn");
            assert.match(
              (await page.locator(".rhythm-caption").first().textContent()) ?? "",
              /every \d+\.\d+ s ±\d+%/,
            );
            const ev = page.locator('.finding[data-behavior="hidden-orphan-process"] .ev').first();
            const pid = await ev.getAttribute("data-pid");
            await ev.click();
            assert.equal(await page.locator(".proc.selected").getAttribute("data-pid"), pid);
            await page.click("#zoom-in");
            await page.screenshot({ path: path.join(dir, "report-full.png"), fullPage: false });
            if (process.env.SHADOW_SIGNALS_README_SCREENSHOT)
              await page.screenshot({ path: process.env.SHADOW_SIGNALS_README_SCREENSHOT, fullPage: false });
          } else {
            assert.match((await page.locator("#findings").textContent()) ?? "", /No finding/);
            await page.screenshot({ path: path.join(dir, "report-benign.png") });
          }
          assert.deepEqual(errors, [], `${name}: console errors`);
          await page.close();
        }
      } finally {
        await b.close();
      }
    },
  );

  test(
    "the dashboard: lists, opens, compares; a traversal attempt is refused; non-loopback needs a token",
    { skip: browserSkip, timeout: 90_000 },
    async () => {
      const refused = runCli(["serve", dir, "--host", "0.0.0.0"]);
      assert.equal(refused.status, 2);
      assert.match(refused.stderr, /set a token/);
      const server = startCli(["serve", dir, "--port", "0"]);
      try {
        const url = await servedUrl(server);
        for (const bad of [
          "session/../../../etc/passwd",
          "session/0/..%2f..%2fsession.db",
          "session/0/session.db",
          "session/0/events.jsonl",
          "session/9999/report.json",
          "session/-1/report.json",
          "%2e%2e/%2e%2e/etc/passwd",
        ]) {
          const r = await fetch(url + bad);
          assert.equal(r.status, 404, bad);
          assert.doesNotMatch(await r.text(), /root:|SQLite/, bad);
        }
        const list = (await (await fetch(url + "api/sessions")).json()) as { id: number; target: string }[];
        assert.equal(list.length, 3);
        const b = await browser();
        try {
          const page = await b.newPage();
          const errors: string[] = [];
          page.on("pageerror", (e) => errors.push(e.message));
          await page.goto(url);
          assert.equal(await page.locator("tbody tr").count(), 3);
          await page.locator("tbody a", { hasText: "IMD (benign)" }).first().click();
          await page.waitForSelector("#timeline svg");
          await page.goto(url);
          const ids = Object.fromEntries(list.map((s) => [s.target, s.id]));
          await page.selectOption('select[name="a"]', String(ids["IMD (benign)"]));
          await page.selectOption('select[name="b"]', String(list.find((s) => s.target === "IMD")!.id));
          await page.click('button[type="submit"]');
          assert.match((await page.textContent("body")) ?? "", /Something new/);
          assert.deepEqual(errors, []);
        } finally {
          await b.close();
        }
      } finally {
        server.child.kill("SIGTERM");
        assert.equal(await server.exited, 0);
      }
    },
  );
});
