/** A background loop; `close()` is idempotent and waits for a pass under way. */
export interface Periodic {
  close(): Promise<void>;
}

/**
 * Runs `pass` now and again `intervalMs` after each pass ends (never overlapping) until closed.
 * `round` counts passes from 0. A pass should log its own failures; one that throws anyway does
 * not stop the loop.
 */
export function runPeriodically(pass: (round: number) => Promise<void>, intervalMs: number): Periodic {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let round = 0;
  const tick = async (): Promise<void> => {
    await pass(round++).catch(() => undefined);
    if (!stopped) timer = setTimeout(next, intervalMs);
  };
  const next = () => {
    running = tick();
  };
  let running = tick();
  let closing: Promise<void> | undefined;
  return {
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
