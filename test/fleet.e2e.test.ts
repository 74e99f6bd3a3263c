/**
 * The fleet, for real: a `nats-server -js` on a random loopback port with a temp store, live
 * sessions published to it (`lab`/`observe --publish`), `collect` rebuilding them and `fleet`
 * comparing the hosts; and the faults: a collector killed mid-stream, the server stopped during a
 * session, a disk buffer that fills up.
 */
import { after, before, describe, test } from "node:test";
import { spawnSync } from "node:child_process";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { filesUnder, isRoot, runCliAsync, servedUrl, startCli } from "../src/testing/cli.js";
import { hasNatsServer, NatsServer } from "../src/testing/nats-server.js";
import { secureSetup } from "../src/testing/nats-secure.js";
import { sleepUnless } from "../src/util/sleep.js";

const skip = !isRoot
  ? "needs root (the sensors)"
  : !hasNatsServer
    ? "nats-server is not installed (npm run setup)"
    : false;

/** A target that opens a file twenty times a second: a steady stream of events. */
const BUSY = ["sh", "-c", "while :; do cat /etc/hostname >/dev/null; sleep 0.05; done"];

/** Resolves once a session's recorder has written its first events (the sensors take seconds to start). */
async function recording(outDir: string): Promise<void> {
  const file = path.join(outDir, "events.jsonl");
  for (let i = 0; i < 600; i++) {
    if (existsSync(file) && statSync(file).size > 0) return;
    await sleepUnless(50);
  }
  throw new Error(`${outDir}: no events after 30 s`);
}

/** `observe` of the busy target for `duration`, published to `url` as `host`, into `out`. */
function observeBusy(url: string, host: string, out: string, duration: string, ...more: string[]) {
  return runCliAsync(
    [
      "observe",
      "--duration",
      duration,
      "--publish",
      url,
      "--host",
      host,
      ...more,
      "--out",
      out,
      "--",
      ...BUSY,
    ],
    60_000,
  );
}

interface PublishStatsJson {
  sentEvents: number;
  notSentEvents: number;
  gaps: { events: number; reason: string }[];
  outages: { from: string; to?: string }[];
  complete: boolean;
}

describe("fleet over NATS JetStream", { concurrency: false }, () => {
  let server: NatsServer;
  let dir = "";
  const at = (name: string) => path.join(dir, name);

  before(async () => {
    if (skip) return;
    dir = mkdtempSync(path.join(os.tmpdir(), "fleet-"));
    server = new NatsServer();
    await server.start();
  });
  after(async () => {
    await server?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The one session `collect` rebuilt for `host`. */
  const collected = (collectDir: string, host: string) => {
    const sessions = readdirSync(path.join(collectDir, host));
    assert.equal(sessions.length, 1, `${host}: ${sessions.join(", ")}`);
    return path.join(collectDir, host, sessions[0]!);
  };
  const events = (sessionDir: string) => readFileSync(path.join(sessionDir, "events.jsonl"), "utf8");
  const publishOf = (sessionDir: string) =>
    (
      JSON.parse(readFileSync(path.join(sessionDir, "report.json"), "utf8")) as {
        session: { publish?: PublishStatsJson };
      }
    ).session.publish;

  /**
   * `collect` into `out` with the durable `durable`, exiting once idle for `idle`. Every durable
   * reads the whole stream, the earlier tests' sessions too; one of them never ends (the host
   * killed mid-session), so a session is cut short after 5 s of silence, or idle would never come.
   */
  const collectArgs = (out: string, durable: string, idle = "3s", sessionTimeout = "5s") => [
    "collect",
    "--from",
    server.url,
    "--out",
    out,
    "--durable",
    durable,
    "--idle-exit",
    idle,
    "--session-timeout",
    sessionTimeout,
    "--ack-wait",
    "2s",
  ];

  async function collect(out: string, durable: string) {
    const r = await runCliAsync(collectArgs(out, durable), 120_000);
    assert.equal(r.status, 0, r.stderr);
    return r;
  }

  test(
    "three hosts: each session is rebuilt byte for byte, and fleet names the outlier host and behaviour",
    { skip, timeout: 300_000 },
    async () => {
      for (const host of ["a", "b", "c"]) {
        // Host c's IMD caches credentials in a temp file; a and b have that behaviour switched off.
        const extra = host === "c" ? [] : ["--imd-set", "temp_secrets=false"];
        const r = await runCliAsync(
          [
            "lab",
            "--duration",
            "16s",
            ...extra,
            "--publish",
            server.url,
            "--host",
            `host-${host}`,
            "--out",
            at(`lab-${host}`),
          ],
          120_000,
        );
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stderr, new RegExp(`published \\d+ event\\(s\\) to ${server.url} as host-${host}/`));
      }
      const fleetDir = at("fleet");
      const c = await collect(fleetDir, "three-hosts");
      assert.match(c.stderr, /3 session\(s\) analysed, 0 cut short/);
      for (const host of ["a", "b", "c"]) {
        const copy = collected(fleetDir, `host-${host}`);
        assert.equal(
          events(copy),
          events(at(`lab-${host}`)),
          `host-${host}: the rebuilt events.jsonl differs`,
        );
        assert.ok(existsSync(path.join(copy, "report.md")));
      }
      const f = await runCliAsync(["fleet", fleetDir, "--json"]);
      assert.equal(f.status, 1, `fleet exits 1 when a host stands out: ${f.stderr}`);
      const report = JSON.parse(f.stdout) as {
        hosts: { host: string }[];
        outliers: { host: string; dimension: string; value: string; kind: string }[];
      };
      assert.deepEqual(
        report.hosts.map((h) => h.host),
        ["host-a", "host-b", "host-c"],
      );
      const newBehaviours = report.outliers.filter(
        (o) => o.kind === "only here" && o.dimension === "behaviour",
      );
      assert.deepEqual(
        newBehaviours.map((o) => `${o.host} ${o.value}`),
        ["host-c plaintext-secret-in-temp"],
      );
      // The lab's own ground-truth file (in each host's out dir) is not the daemon's behaviour.
      assert.ok(
        !report.outliers.some((o) => o.value.endsWith("imd-ground-truth.json")),
        JSON.stringify(report.outliers),
      );
      const md = readFileSync(path.join(fleetDir, "fleet.md"), "utf8");
      assert.match(md, /\| \*\*host-c\*\* \| only here \| behaviour `plaintext-secret-in-temp`/);
      for (const file of filesUnder(fleetDir)) {
        assert.equal(file.mode & 0o077, 0, `${file.file} is readable by others`);
        assert.doesNotMatch(file.text, /FAKE-/, `${file.file} holds a secret value`);
      }
      assert.equal(statSync(fleetDir).mode & 0o777, 0o700);

      // The dashboard lists the fleet and shows it, each session linked to its report.
      const serve = startCli(["serve", fleetDir, "--port", "0"]);
      try {
        const url = await servedUrl(serve);
        assert.match(await (await fetch(url)).text(), /<a href="\/fleet\/0">fleet<\/a>/);
        const view = await (await fetch(url + "fleet/0")).text();
        assert.match(
          view,
          /<tr class="only-here"><td><b>host-c<\/b><\/td><td>only here<\/td><td>behaviour <code>plaintext-secret-in-temp<\/code>/,
        );
        const link = /href="(\/session\/\d+\/report\.html)"/.exec(view)?.[1];
        assert.ok(link, "no session linked");
        assert.equal((await fetch(url + link.slice(1))).status, 200);
        assert.equal((await fetch(url + "fleet/1")).status, 404);
      } finally {
        serve.child.kill("SIGTERM");
        assert.equal(await serve.exited, 0);
      }
    },
  );

  test(
    "a collector killed mid-stream and started again: every event exactly once",
    { skip, timeout: 120_000 },
    async () => {
      const out = at("killed");
      const first = startCli(collectArgs(out, "killed", "60s")); // killed long before it idles
      const observed = observeBusy(server.url, "host-k", at("obs-k"), "8s");
      // Kill it while events are still arriving: its file has some, the session is not over.
      let partial = false;
      for (let i = 0; i < 200 && !partial; i++) {
        await sleepUnless(50);
        const host = path.join(out, "host-k");
        if (!existsSync(host)) continue;
        const [session] = readdirSync(host);
        const file = session && path.join(host, session, "events.jsonl");
        partial = !!file && existsSync(file) && statSync(file).size > 0;
      }
      assert.ok(partial, `the collector wrote nothing: ${first.output()}`);
      process.kill(first.child.pid!, "SIGKILL");
      await first.exited;
      const o = await observed;
      assert.equal(o.status, 0, o.stderr);
      assert.ok(
        !existsSync(path.join(collected(out, "host-k"), "report.json")),
        "the first collector had finished",
      );
      await collect(out, "killed");
      const copy = collected(out, "host-k");
      assert.equal(events(copy), events(at("obs-k")));
      assert.ok(existsSync(path.join(copy, "report.json")));
    },
  );

  test(
    "a host killed mid-session never sends its end: collect analyses it as cut short after the timeout",
    { skip, timeout: 120_000 },
    async () => {
      const host = startCli([
        "observe",
        "--duration",
        "60s",
        "--publish",
        server.url,
        "--host",
        "host-x",
        "--out",
        at("obs-x"),
        "--",
        ...BUSY,
      ]);
      await recording(at("obs-x"));
      await sleepUnless(2000);
      process.kill(host.child.pid!, "SIGKILL"); // its guardian ends the target; no end record is sent
      await host.exited;
      const out = at("cut");
      const r = await runCliAsync(collectArgs(out, "cut", "3s", "3s"), 60_000);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /host-x\/\S+: cut short \(no end record\), analysed: [1-9]\d* events/);
      const copy = collected(out, "host-x");
      const report = JSON.parse(readFileSync(path.join(copy, "report.json"), "utf8")) as {
        session: { cutShort?: unknown };
      };
      assert.ok(report.session.cutShort, "report.json says cut short");
      assert.match(readFileSync(path.join(copy, "report.md"), "utf8"), /its end never came \(host host-x\)/);
      // What arrived is the beginning of the host's own file, whole lines only.
      const local = events(at("obs-x"));
      assert.ok(events(copy).length > 0 && local.startsWith(events(copy)) && events(copy).endsWith("\n"));
    },
  );

  test(
    "two collectors sharing a durable and a dir share the work; one of them analyses the session",
    { skip, timeout: 120_000 },
    async () => {
      const out = at("shared");
      await collect(out, "shared"); // makes the dir and collect.db, as a first start does
      // Idle long enough for the session's first message (the sensors take seconds to start).
      const args = collectArgs(out, "shared", "8s");
      const collectors = [runCliAsync(args, 90_000), runCliAsync(args, 90_000)];
      const o = await observeBusy(server.url, "host-s", at("obs-s"), "6s");
      assert.equal(o.status, 0, o.stderr);
      const logs = await Promise.all(collectors);
      for (const l of logs) assert.equal(l.status, 0, l.stderr);
      const counts = logs.map((l) => Number(/collect stopped: (\d+) message/.exec(l.stderr)?.[1] ?? 0));
      assert.ok(
        counts.every((n) => n > 0),
        `each collector took a share: ${counts.join(", ")}`,
      );
      const analysed = logs.map((l) => (l.stderr.match(/host-s\/\S+: analysed/g) ?? []).length);
      assert.equal(analysed[0]! + analysed[1]!, 1, logs.map((l) => l.stderr).join("\n"));
      assert.equal(events(collected(out, "host-s")), events(at("obs-s")));
    },
  );

  test(
    "nats-server stopped during a session and started again: nothing lost, the outage reported",
    { skip, timeout: 120_000 },
    async () => {
      const observed = observeBusy(server.url, "host-o", at("obs-o"), "10s");
      await recording(at("obs-o"));
      await sleepUnless(1500);
      await server.stop();
      await sleepUnless(3000);
      await server.start();
      const o = await observed;
      assert.equal(o.status, 0, o.stderr);
      const local = publishOf(at("obs-o"))!;
      assert.equal(local.notSentEvents, 0);
      assert.ok(local.complete);
      assert.ok(
        local.outages.length >= 1 && local.outages[0]!.to !== undefined,
        JSON.stringify(local.outages),
      );
      assert.match(o.stderr, /server unreachable \d+ time\(s\)/);
      const out = at("outage");
      await collect(out, "outage");
      const copy = collected(out, "host-o");
      assert.equal(events(copy), events(at("obs-o")));
      assert.match(
        readFileSync(path.join(copy, "report.md"), "utf8"),
        /The fleet's bus was unreachable\*\* from \+[\d.]+ s to/,
      );
    },
  );

  test(
    "a disk buffer that fills while the server is down: what was given up is counted and reported",
    { skip, timeout: 120_000 },
    async () => {
      await server.stop();
      const observed = observeBusy(server.url, "host-f", at("obs-f"), "8s", "--publish-backlog", "64KiB");
      await recording(at("obs-f"));
      await sleepUnless(3000);
      await server.start();
      const o = await observed;
      assert.equal(o.status, 0, o.stderr);
      assert.match(o.stderr, /\d+ NOT sent \(the backlog passed 65536 bytes/);
      const local = publishOf(at("obs-f"))!;
      assert.ok(local.notSentEvents > 0);
      assert.equal(
        local.gaps.reduce((n, g) => n + g.events, 0),
        local.notSentEvents,
      );
      const localLines = events(at("obs-f")).split("\n").filter(Boolean);
      assert.equal(local.sentEvents + local.notSentEvents, localLines.length);
      const out = at("full");
      await collect(out, "full");
      const copy = collected(out, "host-f");
      const copyLines = events(copy).split("\n").filter(Boolean);
      assert.equal(copyLines.length, local.sentEvents);
      // What arrived is the newest part, in order, each line once.
      assert.deepEqual(copyLines, localLines.slice(localLines.length - copyLines.length));
      assert.match(
        readFileSync(path.join(copy, "report.md"), "utf8"),
        /\*\*\d+ event\(s\) never reached the fleet's bus\*\*/,
      );
    },
  );
});

describe("fleet over TLS with a credentials file", { concurrency: false }, () => {
  let server: NatsServer | undefined;
  let dir = "";
  let secure: Awaited<ReturnType<typeof secureSetup>>;
  const hasOpenssl = spawnSync("openssl", ["version"]).status === 0;
  const skipSecure = skip || (!hasOpenssl ? "openssl is not installed" : false);

  before(async () => {
    if (skipSecure) return;
    dir = mkdtempSync(path.join(os.tmpdir(), "fleet-tls-"));
    secure = await secureSetup(dir);
    server = new NatsServer({ config: secure.config, tls: true });
    await server.start();
  });
  after(async () => {
    await server?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test(
    "a session goes through a verified TLS server with creds; without them collect stops at once; no secret is printed or written",
    { skip: skipSecure, timeout: 120_000 },
    async () => {
      const url = server!.url;
      const auth = ["--nats-creds", secure.creds, "--nats-tls-ca", secure.ca];
      const o = await observeBusy(url, "tls-host", path.join(dir, "obs"), "3s", ...auth);
      assert.equal(o.status, 0, o.stderr);
      assert.match(o.stderr, /published \d+ event\(s\) to tls:\/\/127\.0\.0\.1:\d+ as tls-host\//);
      const out = path.join(dir, "collected");
      const c = await runCliAsync(
        ["collect", "--from", url, ...auth, "--out", out, "--idle-exit", "3s"],
        60_000,
      );
      assert.equal(c.status, 0, c.stderr);
      const [session] = readdirSync(path.join(out, "tls-host"));
      assert.equal(
        readFileSync(path.join(out, "tls-host", session!, "events.jsonl"), "utf8"),
        readFileSync(path.join(dir, "obs", "events.jsonl"), "utf8"),
      );
      // Refused credentials and an unverifiable server are not waited for.
      const noCreds = await runCliAsync(
        ["collect", "--from", url, "--nats-tls-ca", secure.ca, "--out", path.join(dir, "refused")],
        20_000,
      );
      assert.equal(noCreds.status, 1, noCreds.stderr);
      assert.match(noCreds.stderr, /Authorization Violation/i);
      const noCa = await runCliAsync(
        ["collect", "--from", url, "--nats-creds", secure.creds, "--out", path.join(dir, "untrusted")],
        20_000,
      );
      assert.equal(noCa.status, 1, noCa.stderr);
      assert.match(noCa.stderr, /certificate/i);
      const jwt = readFileSync(secure.creds, "utf8").split("\n")[1]!;
      for (const text of [o.stdout, o.stderr, c.stdout, c.stderr, noCreds.stderr, noCa.stderr])
        assert.ok(!text.includes(secure.seed) && !text.includes(jwt), "a credential was printed");
      for (const f of [...filesUnder(path.join(dir, "obs")), ...filesUnder(out)])
        assert.ok(!f.text.includes(secure.seed) && !f.text.includes(jwt), `${f.file} holds a credential`);
    },
  );
});
