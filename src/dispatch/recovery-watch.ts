import { coerceError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { isRecoverableStoreError } from './bottleneck-store.ts';

/** Store errors of this kind within this span mean the library's own recovery did not work. */
const THRESHOLD = 3;
const SPAN_MS = 10_000;

/**
 * Watches Bottleneck's `error` event. Every error is logged; repeated lost-settings or
 * unknown-client errors (the Redis-7 recovery defect, should the text normalization ever miss)
 * make us recreate the limiter, which re-initializes its settings and re-registers the client.
 */
export function createRecoveryWatch(logger: Logger, recreate: () => void) {
  let recent: number[] = [];
  let stopped = false;
  return {
    report(thrown: unknown) {
      const err = coerceError(thrown);
      logger.warn({ err: err.message }, 'bottleneck limiter error');
      if (stopped || !isRecoverableStoreError(err)) return;
      const now = Date.now();
      recent = [...recent.filter((at) => now - at < SPAN_MS), now];
      if (recent.length < THRESHOLD) return;
      recent = [];
      logger.error({ err: err.message }, 'bottleneck lost its Redis state; recreating the limiter');
      recreate();
    },
    stop() {
      stopped = true;
    },
  };
}
