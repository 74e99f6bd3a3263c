import { readFileSync } from "node:fs";
import { connect, credsAuthenticator, type NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { UsageError } from "../util/result.js";
import { assertRegularFile } from "../util/safe-fs.js";
import { sleepUnless } from "../util/sleep.js";
import { STREAM, SUBJECT_ROOT } from "./subjects.js";

/** Where the bus is and how to prove who we are: `--publish`/`--from`, `--nats-creds`, `--nats-tls-ca`. */
export interface NatsTarget {
  url: string;
  /** A NATS credentials file (JWT and nkey seed): read here, never printed. */
  creds?: string;
  /** A CA bundle to verify the server's certificate: TLS is then required. */
  tlsCa?: string;
}

/** The URL as it may be printed: a user and password in it are replaced by '***'. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/)[^@/]*@/i, "$1***@");
}

/** Checks `--publish`/`--from`: nats:// or tls://, a host and a port. */
export function parseNatsUrl(url: string, option: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`${option}: expected nats://HOST:PORT, got '${redactUrl(url)}'`);
  }
  if (!["nats:", "tls:"].includes(u.protocol) || u.hostname === "")
    throw new UsageError(`${option}: expected nats://HOST:PORT or tls://HOST:PORT, got '${redactUrl(url)}'`);
  return url;
}

/** Checks the credential and CA files up front, so that a typo is a usage error, not a reconnect loop. */
export function natsTarget(url: string, option: string, creds?: string, tlsCa?: string): NatsTarget {
  for (const [file, name] of [
    [creds, "--nats-creds"],
    [tlsCa, "--nats-tls-ca"],
  ] as const) {
    if (file === undefined) continue;
    try {
      assertRegularFile(file);
    } catch {
      throw new UsageError(`${name}: ${file} is not a readable regular file`);
    }
  }
  return {
    url: parseNatsUrl(url, option),
    ...(creds !== undefined ? { creds } : {}),
    ...(tlsCa !== undefined ? { tlsCa } : {}),
  };
}

/**
 * Connects, trying again every half second until `cancel` aborts (then undefined): a server that is
 * down at the start is waited for. Once connected, the client reconnects by itself for as long as
 * we run, so a server that goes away mid-session is never a reason to stop. (The client's own
 * wait-on-first-connect cannot be cancelled, and its retries would keep the process alive.)
 */
export async function connectNats(
  target: NatsTarget,
  name: string,
  cancel: AbortSignal,
  onRetry?: (err: Error) => void,
): Promise<NatsConnection | undefined> {
  const options = {
    servers: target.url,
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    reconnectJitter: 100,
    // Ping every 5 s, so that a server that vanished without closing the socket is noticed soon.
    pingInterval: 5000,
    maxPingOut: 2,
    timeout: 2000,
    ...(target.creds !== undefined ? { authenticator: credsAuthenticator(readFileSync(target.creds)) } : {}),
    ...(target.tlsCa !== undefined || target.url.startsWith("tls:")
      ? { tls: target.tlsCa !== undefined ? { caFile: target.tlsCa } : {} }
      : {}),
  };
  while (!cancel.aborted) {
    try {
      const nc = await connect(options);
      if (!cancel.aborted) return nc;
      await nc.close();
    } catch (err) {
      onRetry?.(err as Error);
      await sleepUnless(500, cancel);
    }
  }
  return undefined;
}

/** Duplicates of a message id within this window are dropped by the server (a resend after a lost ack). */
const DUPLICATE_WINDOW_NS = 10 * 60 * 1e9;
/** How long the stream keeps a session when we make it: a collector down for a week loses nothing. */
const MAX_AGE_NS = 7 * 24 * 3600 * 1e9;

/** The stream every session goes to, made if it is not there (by whichever side comes first). */
export async function ensureStream(nc: NatsConnection): Promise<JetStreamManager> {
  const jsm = await jetstreamManager(nc);
  try {
    await jsm.streams.info(STREAM);
  } catch {
    try {
      await jsm.streams.add({
        name: STREAM,
        subjects: [`${SUBJECT_ROOT}.>`],
        duplicate_window: DUPLICATE_WINDOW_NS,
        max_age: MAX_AGE_NS,
      });
    } catch (err) {
      // Another publisher or collector made it between our two calls.
      if (!/already in use|exists/i.test((err as Error).message)) throw err;
    }
  }
  return jsm;
}
