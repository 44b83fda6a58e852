/** A background loop; `close()` is idempotent and waits for a pass under way. */
export interface Periodic {
  /** Asks for a pass now; during a pass, for one more right after it. No-op once closed. */
  wake(): void;
  close(): Promise<void>;
}

/**
 * The one loop primitive for background work: runs `pass` now and again `intervalMs` after each
 * pass ends (never overlapping) until closed; `wake()` brings the next pass forward. `round`
 * counts passes from 0. A pass should log its own failures; one that throws anyway does not
 * stop the loop. The timer is unref'd: a loop alone never keeps a process alive.
 */
export function runPeriodically(pass: (round: number) => Promise<unknown>, intervalMs: number): Periodic {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let again = false;
  let round = 0;
  let running: Promise<void> | undefined;

  const start = (): void => {
    clearTimeout(timer);
    running = (async () => {
      do {
        again = false;
        await pass(round++).catch(() => undefined);
      } while (again && !stopped);
    })().finally(() => {
      running = undefined;
      if (stopped) return;
      timer = setTimeout(start, intervalMs);
      timer.unref();
    });
  };
  start();
  let closing: Promise<void> | undefined;
  return {
    wake() {
      if (stopped) return;
      if (running) again = true;
      else start();
    },
    close() {
      closing ??= (async () => {
        stopped = true;
        clearTimeout(timer);
        await running;
      })();
      return closing;
    },
  };
}
