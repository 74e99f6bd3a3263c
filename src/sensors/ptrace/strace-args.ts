/**
 * Splitting and decoding strace's argument text: `openat(AT_FDCWD</d>, "x", O_RDONLY)`.
 * Arguments nest (`[...]`, `{...}`, `(...)`), strings escape quotes, and with -yy every fd carries
 * its path in angle brackets, which can nest too (`3</dev/null<char 1:3>>`).
 */
export function splitArgs(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let angle = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === "\\") i++;
      continue;
    }
    if (angle > 0) {
      if (c === "<") angle++;
      else if (c === ">") angle--;
      continue;
    }
    // An fd annotation opens right after a number or AT_FDCWD; a bare `<` elsewhere is text.
    if (c === "<" && i > 0 && /[0-9D]/.test(text[i - 1]!)) angle = 1;
    else if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") depth--;
    else if (c === "," && depth === 0) {
      out.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  const last = text.slice(start).trim();
  if (last !== "" || out.length > 0) out.push(last);
  return out;
}

const ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", v: "\v", f: "\f", '"': '"', "\\": "\\" };

/** Decodes a C string literal as strace prints it (`"a\nb"...` -> `a\nb`); undefined if not a string. */
export function decodeString(token: string): string | undefined {
  const t = token.trim();
  if (!t.startsWith('"')) return undefined;
  let out = "";
  for (let i = 1; i < t.length; i++) {
    const c = t[i]!;
    if (c === '"') return out;
    if (c !== "\\") {
      out += c;
      continue;
    }
    const n = t[++i]!;
    if (n === "x") {
      out += String.fromCharCode(parseInt(t.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (/[0-7]/.test(n)) {
      let j = i;
      while (j < i + 3 && /[0-7]/.test(t[j] ?? "")) j++;
      out += String.fromCharCode(parseInt(t.slice(i, j), 8));
      i = j - 1;
    } else out += ESCAPES[n] ?? n;
  }
  return out;
}

/** `3</etc/x>` -> { fd: 3, path: "/etc/x" }; `AT_FDCWD</d>` -> { fd: -100, path: "/d" }. */
export function decodeFd(token: string): { fd: number; path?: string } | undefined {
  const m = /^(-?\d+|AT_FDCWD)(?:<(.*)>(\(deleted\))?)?$/s.exec(token.trim());
  if (!m) return undefined;
  const fd = m[1] === "AT_FDCWD" ? -100 : Number(m[1]);
  // `/dev/null<char 1:3>` -> `/dev/null`: the nested part describes the device.
  let path = m[2]?.replace(/<[^<>]*>$/, "");
  // `3</memfd:x>(deleted)`: named as /proc/PID/exe names it, `/memfd:x (deleted)`.
  if (path !== undefined && m[3]) path += " (deleted)";
  return path !== undefined ? { fd, path } : { fd };
}

export interface SockAddr {
  family: string;
  address?: string;
  port?: number;
  unixPath?: string;
}

/** `{sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("127.0.0.1")}` and its INET6/UNIX kin. */
export function decodeSockaddr(token: string): SockAddr | undefined {
  const family = /sa_family=AF_(\w+)/.exec(token)?.[1];
  if (!family) return undefined;
  const port = /sin6?_port=htons\((\d+)\)/.exec(token)?.[1];
  const v4 = /inet_addr\("([^"]+)"\)/.exec(token)?.[1];
  const v6 = /inet_pton\(AF_INET6, "([^"]+)"/.exec(token)?.[1];
  const unix = /sun_path=(@?"(?:[^"\\]|\\.)*")/.exec(token)?.[1];
  const out: SockAddr = {
    family: family.toLowerCase() === "unix" ? "unix" : family === "INET6" ? "inet6" : family.toLowerCase(),
  };
  if (port !== undefined) out.port = Number(port);
  if (v4 ?? v6) out.address = (v4 ?? v6)!;
  if (unix !== undefined) {
    const abstract = unix.startsWith("@");
    out.unixPath = (abstract ? "@" : "") + (decodeString(abstract ? unix.slice(1) : unix) ?? "");
  }
  return out;
}

/** `4<TCP:[127.0.0.1:80->127.0.0.1:5555]>` -> the socket endpoints strace resolved with -yy. */
export function decodeSocketFd(
  path: string | undefined,
): { proto: string; local?: string; remote?: string } | undefined {
  const m = /^(TCP|TCPv6|UDP|UDPv6|UNIX(?:-STREAM|-DGRAM)?):\[(.*)\]$/.exec(path ?? "");
  if (!m) return undefined;
  const [local, remote] = m[2]!.split("->");
  return { proto: m[1]!, ...(local && !/^\d+$/.test(local) ? { local } : {}), ...(remote ? { remote } : {}) };
}

/** `127.0.0.1:80` or `[::1]:80` -> address and port. */
export function splitHostPort(text: string): { address: string; port: number } | undefined {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(text);
  return m ? { address: m[1]!, port: Number(m[2]) } : undefined;
}
