const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/**
 * Stop requests for the whole of a command (a session and its report). The first SIGINT, SIGTERM
 * or SIGHUP asks for a stop; each further one hurries it: grace periods end at once and what is
 * left is killed. The handlers stay installed until the command is done, so a second Ctrl-C never
 * falls to Node's default — exit at once — which would leave sensors and the target behind.
 */
export class StopSignals {
  private count = 0;
  /** The first stop request: which signal, and when our handler ran (epoch ms). */
  first: { signal: NodeJS.Signals; at: number } | undefined;
  private readonly hurryController = new AbortController();
  private readonly stopController = new AbortController();

  constructor(private readonly say: (message: string) => void = () => undefined) {
    for (const s of SIGNALS) process.on(s, this.handler);
  }

  private readonly handler = (signal: NodeJS.Signals): void => {
    this.count++;
    if (this.count === 1) {
      this.first = { signal, at: Date.now() };
      this.say(`${signal}: stopping; the target and the sensors are being ended (again to hurry)`);
      this.stopController.abort();
    } else {
      if (this.count === 2) this.say(`${signal}: hurrying: killing what is left now`);
      this.hurryController.abort();
    }
  };

  /** Aborted on the first signal. */
  get stop(): AbortSignal {
    return this.stopController.signal;
  }

  /** Aborted on the second and later signals: skip every grace period. */
  get hurry(): AbortSignal {
    return this.hurryController.signal;
  }

  dispose(): void {
    for (const s of SIGNALS) process.off(s, this.handler);
  }
}
