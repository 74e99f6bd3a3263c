/** An argv as a shell would need it typed: `nginx -g 'daemon off;'`, so a label can be pasted back. */
export function shellQuote(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(" ");
}
