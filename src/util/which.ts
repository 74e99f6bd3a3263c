import { accessSync, constants, statSync } from "node:fs";
import path from "node:path";

/**
 * Resolves a command name through PATH as execvp would, before anything starts: the target then
 * starts with one exec instead of a run of ENOENT attempts that would read as failures of its own.
 * A name with a slash is returned as is. Undefined when nothing in PATH is an executable file.
 */
export function resolveProgram(
  name: string,
  PATH = process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
): string | undefined {
  if (name.includes("/")) return name;
  for (const dir of PATH.split(":")) {
    const candidate = path.join(dir || ".", name);
    try {
      if (statSync(candidate).isFile()) {
        accessSync(candidate, constants.X_OK);
        return candidate;
      }
    } catch {
      /* not here */
    }
  }
  return undefined;
}
