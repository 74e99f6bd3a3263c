import type { RotationOptions } from "../session/rotating-jsonl.js";
import { UsageError } from "../util/result.js";
import { parseSize } from "../util/size.js";

/** The options of `observe` and `watch` that keep a long session's events within bounds. */
export const DISK_OPTIONS = {
  rotate: { type: "string" },
  "max-disk": { type: "string" },
} as const;

export const DISK_HELP = `Long sessions (hours, days):
  --rotate SIZE       rotate events.jsonl out at SIZE into events-000001.jsonl.gz, … (gzip, made
                      while the session runs); every command reads the parts as one file
                      (default 256MiB; a quarter of --max-disk when that is smaller)
  --max-disk SIZE     the most the events may take on disk: past it, the oldest parts are dropped.
                      Never silently: the report says how many events, up to when, and that its
                      findings cannot cite them. It must hold at least two parts`;

const DEFAULT_ROTATE = 256 << 20;
/** Below this a part is mostly gzip's own overhead, and rotation runs every few events. */
const MIN_ROTATE = 64 << 10;

type DiskValues = { rotate?: string | undefined; "max-disk"?: string | undefined };

/**
 * The rotation a session gets. With `observe --publish` none: the publisher sends events.jsonl by
 * its byte offsets as it grows, and the collector keeps the whole session; asking for both is a
 * usage error rather than a bound that silently does not hold.
 */
export function rotationPlan(
  values: DiskValues,
  publishing: boolean,
  notice: (line: string) => void,
): RotationOptions | undefined {
  const asked = values.rotate !== undefined || values["max-disk"] !== undefined;
  if (publishing) {
    if (asked)
      throw new UsageError(
        "--rotate and --max-disk bound the events kept on this host; with --publish the collector keeps them: leave them out",
      );
    return undefined;
  }
  const maxDiskBytes =
    values["max-disk"] !== undefined ? parseSize(values["max-disk"], "--max-disk") : undefined;
  const rotateBytes =
    values.rotate !== undefined
      ? parseSize(values.rotate, "--rotate")
      : Math.min(DEFAULT_ROTATE, maxDiskBytes !== undefined ? Math.floor(maxDiskBytes / 4) : DEFAULT_ROTATE);
  if (rotateBytes < MIN_ROTATE)
    throw new UsageError(
      `--rotate: at least 64KiB${values.rotate === undefined ? " (a quarter of --max-disk)" : ""}`,
    );
  if (maxDiskBytes !== undefined && maxDiskBytes < 2 * rotateBytes)
    throw new UsageError("--max-disk must hold at least two parts of --rotate: raise it, or lower --rotate");
  return { rotateBytes, ...(maxDiskBytes !== undefined ? { maxDiskBytes } : {}), notice };
}
