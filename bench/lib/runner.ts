import { stopAllChildren } from './children.ts';
import { note, report } from './output.ts';
import { type BenchServices, startServices } from './services.ts';

export interface BenchContext {
  services: BenchServices;
  /** Runs at the end, newest first, whether the benchmark finished, failed or timed out. */
  onCleanup(step: () => Promise<unknown> | unknown): void;
}

export interface RunOptions {
  /** Hard limit for the whole run; beyond it everything is stopped and the run fails. */
  maxSeconds: number;
  /** Result file; '-' prints only. */
  out?: string;
}

/**
 * Starts the services, runs the body, prints and saves its result, and always cleans up: on
 * success, on a thrown error, on SIGINT/SIGTERM and when `maxSeconds` runs out.
 */
export async function runBenchmark(
  name: string,
  options: RunOptions,
  body: (ctx: BenchContext) => Promise<Record<string, unknown>>,
): Promise<void> {
  const steps: Array<() => Promise<unknown> | unknown> = [];
  let services: BenchServices | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanup = () => {
    cleaning ??= (async () => {
      for (const step of steps.splice(0).reverse()) {
        await Promise.resolve()
          .then(step)
          .catch((err) => note(`cleanup step failed: ${(err as Error).message}`));
      }
      await stopAllChildren();
      await services?.stop().catch((err) => note(`stopping services failed: ${(err as Error).message}`));
    })();
    return cleaning;
  };
  const abort = (reason: string, code: number) => {
    note(`${name}: ${reason}; stopping everything`);
    void cleanup().finally(() => process.exit(code));
  };
  const deadline = setTimeout(
    () => abort(`time limit of ${options.maxSeconds} s reached`, 2),
    options.maxSeconds * 1000,
  );
  process.once('SIGINT', () => abort('interrupted', 130));
  process.once('SIGTERM', () => abort('terminated', 143));

  try {
    services = await startServices();
    note(`${name}: redis ${services.paths.redis}, postgres ${services.paths.postgres}`);
    const result = await body({ services, onCleanup: (step) => void steps.push(step) });
    report(name, { services: services.paths, ...result }, options.out);
  } catch (err) {
    note(`${name} failed: ${(err as Error).stack ?? err}`);
    process.exitCode = 1;
  } finally {
    clearTimeout(deadline);
    await cleanup();
  }
}
