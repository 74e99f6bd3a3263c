/** Open flags from /proc/PID/fdinfo/FD (`flags: 0100101`, octal) as O_* names. */
export function decodeOpenFlags(octal: string): string[] {
  const v = parseInt(octal, 8);
  const acc = v & 3;
  const out = [acc === 0 ? "O_RDONLY" : acc === 1 ? "O_WRONLY" : "O_RDWR"];
  if (v & 0o100) out.push("O_CREAT");
  if (v & 0o1000) out.push("O_TRUNC");
  if (v & 0o2000) out.push("O_APPEND");
  if (v & 0o200) out.push("O_EXCL");
  // O_TMPFILE is __O_TMPFILE (020000000) with O_DIRECTORY (0200000): an anonymous file in a dir.
  if ((v & 0o20200000) === 0o20200000) out.push("O_TMPFILE");
  else if (v & 0o200000) out.push("O_DIRECTORY");
  return out;
}

export function parseFdinfoFlags(text: string): string[] {
  const m = /^flags:\s*([0-7]+)/m.exec(text);
  return m ? decodeOpenFlags(m[1]!) : [];
}
