/**
 * Last-resort cleanup: if the process crashes (an uncaught exception or rejection), run every
 * registered synchronous step — end what we launched — then exit 1 with a one-line reason.
 * Steps are registered for the span of the work they guard and removed after it.
 */
const steps = new Set<() => void>();
let installed = false;

function onCrash(err: unknown): void {
  for (const step of [...steps].reverse()) {
    try {
      step();
    } catch {
      /* keep going: the other steps matter more than this one's error */
    }
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`shadow-signals: internal error, stopped everything it had started: ${message}\n`);
  if (process.env.SHADOW_SIGNALS_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  process.exit(1);
}

/** Registers a synchronous cleanup step; returns the function that removes it. */
export function onCrashCleanup(step: () => void): () => void {
  if (!installed) {
    installed = true;
    process.on("uncaughtException", onCrash);
    process.on("unhandledRejection", onCrash);
  }
  steps.add(step);
  return () => steps.delete(step);
}
