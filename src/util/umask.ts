/**
 * Our own files are 0600 and dirs 0700 whatever a library asks for (SQLite, strace's -o): the
 * process umask is 077 while we run. The target must not inherit that — it would change what it
 * does — so the user's umask is kept here for the launcher to restore before the target starts.
 */
let userUmask: number | undefined;

/** Set by a parent of ours that restricted its own umask (a replay's child): the user's, not 077. */
export const USER_UMASK_VAR = "SHADOW_SIGNALS_USER_UMASK";

export function restrictUmask(): void {
  userUmask ??= process.umask(0o077);
  const inherited = process.env[USER_UMASK_VAR];
  delete process.env[USER_UMASK_VAR]; // ours alone: the target must not inherit it
  if (inherited && /^[0-7]{3,4}$/.test(inherited)) userUmask = parseInt(inherited, 8);
}

/** The umask the user started us with, as octal text for `umask` in sh. */
export function userUmaskOctal(): string {
  const mask = userUmask ?? process.umask();
  return mask.toString(8).padStart(4, "0");
}
