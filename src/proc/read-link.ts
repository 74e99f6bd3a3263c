import { readlinkSync } from "node:fs";

/** A /proc link's target (`/proc/PID/exe`, `cwd`, `fd/N`), or undefined once the process or fd is gone. */
export function safeReadlink(link: string): string | undefined {
  try {
    return readlinkSync(link);
  } catch {
    return undefined;
  }
}
