import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, rmdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PEER_SCRIPT } from "../lab/imd/peer-service.js";
import { selectSensors, type Selection } from "../sensors/select.js";
import type { PassedFd } from "../session/launcher.js";
import type { TargetInfo } from "../session/target.js";
import { observe } from "../session/observation.js";
import { StopSignals } from "../session/stop-signals.js";
import { diesWithUs } from "../util/bound-spawn.js";
import { writeNewFile } from "../util/safe-fs.js";
import { parseDuration } from "../util/duration.js";
import { onCrashCleanup } from "../util/cleanup.js";
import { ShadowError, UsageError } from "../util/result.js";
import { parseCommandArgs } from "./args.js";
import type { Command } from "./command.js";
import { resolveOutDir } from "./out-dir.js";
import { writeReports } from "./write-reports.js";
import { publishSummary, type Publisher } from "../fleet/publisher.js";
import { PUBLISH_HELP, PUBLISH_OPTIONS, publishPlan } from "./publish-options.js";

const BIN = fileURLToPath(new URL("../../../bin/shadow-signals", import.meta.url));

/** Starts the peer service IMD talks to, as its own process; resolves once it listens. */
async function startPeer(port: number, socket: string) {
  const [bin, ...args] = diesWithUs([
    process.execPath,
    PEER_SCRIPT,
    "--port",
    String(port),
    "--socket",
    socket,
  ]);
  const peer = spawn(bin!, args, { detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  peer.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    peer.stdout!.once("data", () => resolve());
    peer.once("exit", (code) =>
      reject(new ShadowError(`the lab's peer service exited (${code}): ${err.trim()}`)),
    );
  });
  peer.removeAllListeners("exit");
  const removeCleanup = onCrashCleanup(() => peer.kill("SIGTERM"));
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        removeCleanup();
        if (peer.exitCode !== null || peer.signalCode !== null) return resolve();
        peer.once("exit", () => resolve());
        peer.kill("SIGTERM");
      }),
  };
}

export interface LabRun {
  durationMs: number;
  durationLabel: string;
  benign: boolean;
  selection: Selection;
  outDir: string;
  /** IMD's root. */
  root: string;
  keepRaw: boolean;
  /** IMD config lines (`key = value`) added after the lab's own: behaviours switched off. */
  imdSettings?: string[];
  /** Send the session to a fleet's bus as it is recorded (`--publish`). */
  publish?: { publisher: Publisher; waitMs: number };
  /** A replay: IMD runs inside this sandbox (argv in front of IMD's), with a file at a fixed fd. */
  sandbox?: { argv: string[]; passFd?: PassedFd; info: NonNullable<TargetInfo["sandbox"]> };
}

/** The lab's main job: IMD and its peer, observed, stopped, reported. Nothing is left running. */
export async function runLab(o: LabRun): Promise<void> {
  const { outDir, root, benign, selection } = o;
  // The directories the lab makes for IMD and its peer; removed at the end if they are empty.
  const madeDirs = [root, path.join(root, "run")].filter((d) => !existsSync(d));
  // The same port for the same root, so that two lab runs can be compared with diff; another
  // lab holding it makes the peer fail to start, and a random one is tried instead.
  const stablePort = 40_000 + (createHash("sha256").update(root).digest().readUInt16BE(0) % 20_000);
  const peerSocketRel = "/run/imd-peer.sock";
  mkdirSync(path.join(root, "run"), { recursive: true });
  const removeMadeDirs = () => {
    for (const d of [...madeDirs].reverse()) {
      try {
        rmdirSync(d);
      } catch {
        /* not empty: something not ours is there, leave it */
      }
    }
  };
  let port = stablePort;
  let peer: Awaited<ReturnType<typeof startPeer>> | undefined;
  if (!benign)
    peer = await startPeer(port, path.join(root, peerSocketRel)).catch(() => {
      port = 40_000 + Math.floor(Math.random() * 20_000);
      return startPeer(port, path.join(root, peerSocketRel));
    });
  const config = path.join(outDir, "imd.conf");
  try {
    writeNewFile(
      config,
      `# written by shadow-signals lab\npeer_port = ${port}\npeer_socket = ${peerSocketRel}\n${(o.imdSettings ?? []).join("\n")}\n`,
    );
  } catch (err) {
    await peer?.stop();
    throw err;
  }
  const truth = path.join(outDir, "imd-ground-truth.json");
  const signals = new StopSignals((m) => process.stderr.write(`\nshadow-signals: ${m}\n`));
  try {
    const argvImd = [
      process.execPath,
      BIN,
      "imd",
      "--root",
      root,
      "--config",
      config,
      "--ground-truth",
      truth,
      ...(benign ? ["--benign"] : []),
    ];
    process.stderr.write(
      `shadow-signals lab: observing IMD${benign ? " (benign)" : ""} for ${o.durationLabel} with ${selection.active.map((a) => a.sensor.name).join(", ")}\n`,
    );
    const result = await observe({
      outDir,
      durationMs: o.durationMs,
      selection,
      target: { argv: o.sandbox ? [...o.sandbox.argv, ...argvImd] : argvImd },
      info: {
        kind: "lab",
        label: benign ? "IMD (benign)" : "IMD",
        argv: argvImd,
        root,
        ...(o.sandbox ? { sandbox: o.sandbox.info } : {}),
      },
      progress: process.stderr.isTTY === true,
      signals,
      keepRaw: o.keepRaw,
      ...(o.sandbox?.passFd ? { passFd: o.sandbox.passFd } : {}),
      ...(o.publish ? { publish: o.publish } : {}),
    });
    if (result.publish) process.stderr.write(`shadow-signals: ${publishSummary(result.publish)}\n`);
    await peer?.stop();
    removeMadeDirs();
    // IMD wrote it with the user's umask; in our out dir every file is 0600.
    if (existsSync(truth)) chmodSync(truth, 0o600);
    await writeReports(outDir, { quiet: false });
  } finally {
    await peer?.stop();
    removeMadeDirs();
    signals.dispose();
  }
}

/** `--imd-set KEY=VALUE`, as IMD config lines; IMD itself rejects an unknown key or a bad value. */
function imdSettings(given: string | string[] | undefined): string[] {
  const list = given === undefined ? [] : Array.isArray(given) ? given : [given];
  return list.map((kv) => {
    const m = /^([a-z_]+)=(.+)$/.exec(kv);
    if (!m) throw new UsageError(`--imd-set: KEY=VALUE, such as plugin=false, not '${kv}'`);
    return `${m[1]} = ${m[2]}`;
  });
}

export const labCommand: Command = {
  name: "lab",
  summary: "run IMD and its local peer, observe them, and write the report (the lab's main job)",
  help: `Usage: shadow-signals lab [--duration 60s] [--out DIR] [--sensors auto|LIST] [--benign] [--root DIR] [--keep-raw]
                          [--imd-set KEY=VALUE]... [--publish nats://HOST:PORT [--host NAME] ...]

Starts the lab: IMD (the Infrastructure Management Daemon) and the local service it talks to,
observes IMD with the chosen sensors, stops both, and writes report.md and report.json — the
seed report, reproduced with real evidence. Nothing is left running afterwards.

Options:
  --duration D   how long to observe (default 60s; 45s is enough for every behaviour)
  --out DIR      out dir (default: a new folder under ./shadow-signals-sessions/)
  --sensors S    auto (every usable sensor) or a list such as procfs,ptrace
  --benign       the negative control: IMD only answers requests; the report should be empty
  --root DIR     IMD's root (default: / as root, so its writes hit real system paths and are
                 removed at the end; a private temp dir otherwise)
  --keep-raw     keep the raw strace log (it holds write payloads, secrets included)
  --imd-set K=V  an IMD setting (repeatable), e.g. --imd-set plugin=false to switch a behaviour off
                 (keys: src/lab/imd/config.ts); for diff-ing a changed daemon against the lab

${PUBLISH_HELP}

Ctrl-C stops the lab early and still writes the report; a second Ctrl-C hurries the stop.

The out dir also holds imd-ground-truth.json: what IMD really did, for scoring the findings.

Examples:
  sudo shadow-signals lab --duration 45s
  shadow-signals lab --sensors procfs --duration 30s
  sudo shadow-signals lab --duration 30s --publish nats://127.0.0.1:4222 --host lab-a`,
  async run(argv) {
    const { values } = parseCommandArgs(argv, {
      duration: { type: "string" },
      out: { type: "string" },
      sensors: { type: "string" },
      benign: { type: "boolean" },
      root: { type: "string" },
      "keep-raw": { type: "boolean" },
      "imd-set": { type: "string", multiple: true },
      ...PUBLISH_OPTIONS,
    });
    const plan = publishPlan(values);
    const durationMs = parseDuration(values.duration ?? "60s");
    const benign = values.benign === true;
    const selection = await selectSensors(values.sensors ?? "auto");
    for (const s of selection.skipped)
      process.stderr.write(`shadow-signals: sensor ${s.name} unavailable: ${s.reason}\n`);
    const outDir = resolveOutDir(values.out, benign ? "imd-benign" : "imd");
    const isRoot = process.geteuid?.() === 0;
    const root = path.resolve(values.root ?? (isRoot ? "/" : path.join(outDir, "imd-root")));
    await runLab({
      durationMs,
      durationLabel: values.duration ?? "60s",
      benign,
      selection,
      outDir,
      root,
      keepRaw: values["keep-raw"] === true,
      imdSettings: imdSettings(values["imd-set"]),
      ...(plan ? { publish: plan.make(outDir) } : {}),
    });
    return 0;
  },
};
