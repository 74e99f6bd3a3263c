/** One row of /proc/net/{tcp,tcp6,udp,udp6}: endpoints, state and the socket inode. */
export interface NetRow {
  proto: "tcp" | "tcp6" | "udp" | "udp6";
  local: { address: string; port: number };
  remote: { address: string; port: number };
  state: string;
  inode: number;
}

const TCP_STATES: Record<string, string> = {
  "01": "ESTABLISHED",
  "02": "SYN_SENT",
  "03": "SYN_RECV",
  "06": "TIME_WAIT",
  "07": "CLOSE",
  "08": "CLOSE_WAIT",
  "0A": "LISTEN",
};

/** Kernel hex (little-endian per 32-bit word) to a printable address. */
export function decodeHexAddress(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((w) => (w.match(/../g) ?? []).reverse().map((b) => parseInt(b, 16)));
  if (bytes.length === 4) return bytes.join(".");
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 255 && bytes[11] === 255)
    return `::ffff:${bytes.slice(12).join(".")}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return groups
    .join(":")
    .replace(/(^|:)0(:0)+(:|$)/, "::")
    .replace(/:{3,}/, "::");
}

export function parseNetTable(text: string, proto: NetRow["proto"]): NetRow[] {
  const rows: NetRow[] = [];
  for (const line of text.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const [la, lp] = f[1]!.split(":");
    const [ra, rp] = f[2]!.split(":");
    rows.push({
      proto,
      local: { address: decodeHexAddress(la!), port: parseInt(lp!, 16) },
      remote: { address: decodeHexAddress(ra!), port: parseInt(rp!, 16) },
      state: TCP_STATES[f[3]!] ?? f[3]!,
      inode: Number(f[9]),
    });
  }
  return rows;
}

/** Rows of /proc/net/unix: inode and bound path (clients have none). */
export function parseUnixTable(text: string): { inode: number; path?: string; listening: boolean }[] {
  return text
    .split("\n")
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length >= 7)
    .map((f) => ({ inode: Number(f[6]), listening: f[3] === "00010000", ...(f[7] ? { path: f[7] } : {}) }));
}
