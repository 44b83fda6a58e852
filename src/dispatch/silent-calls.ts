import { sql } from 'kysely';
import { type AttemptEventInput, applyEventBatch } from '../calls/apply-event.ts';
import type { AttemptOwners } from '../calls/attempt-owners.ts';
import type { Db } from '../db/connect.ts';
import type { CallInfo, GatewayClient } from '../gateway/types.ts';
import { coerceError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { type Periodic, runPeriodically } from '../shared/periodic.ts';

/** Final call statuses GET /calls/{uuid} can report; anything else means the call is still on. */
const FINAL = new Set(['completed', 'busy', 'cancelled', 'failed', 'rejected', 'timeout', 'unanswered']);
// Calls asked about per round; GET /calls has its own budget in the gateway client.
const PER_ROUND = 20;

export interface SilentCallDeps {
  db: Db;
  gateway: Pick<GatewayClient, 'getCall'>;
  logger: Logger;
  /** Settles the owner of an attempt the gateway says has ended. */
  owners: AttemptOwners;
}

/**
 * Webhooks can be lost for good: the gateway retries a refused event once, immediately, so an
 * API outage of seconds (a deploy, a crash) swallows the rest of every call under way, and its
 * attempt would stay open and its campaign unfinished forever. An attempt with a call uuid that
 * has heard nothing for `silentMs` is therefore asked about (GET /calls/{uuid}); a finished call
 * ends it as its last event would have (same state machine), a live one is asked again after
 * another `silentMs`. Returns how many attempts were ended.
 */
async function reconcileSilentCalls(deps: SilentCallDeps, silentMs: number): Promise<number> {
  // Touching updated_at claims the rows for this round (other workers skip them) and spaces out
  // the questions about a call that is simply long.
  const silent = await deps.db
    .updateTable('call_attempts')
    .set({ updated_at: sql`now()` })
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('call_attempts')
        .select('id')
        .where('status', 'in', ['started', 'ringing', 'answered'])
        .where('call_uuid', 'is not', null)
        .where('updated_at', '<', sql<Date>`now() - make_interval(secs => ${silentMs / 1000})`)
        .orderBy('updated_at')
        .limit(PER_ROUND)
        .forUpdate()
        .skipLocked(),
    )
    .returning(['id', 'call_uuid'])
    .execute();
  let ended = 0;
  for (const { id, call_uuid: uuid } of silent) {
    try {
      const call = await deps.gateway.getCall(uuid as string);
      if (!FINAL.has(call.status)) continue;
      const events = finalEvents(call, uuid as string);
      await deps.db.transaction().execute((trx) => applyEventBatch(trx, new Map([[id, events]]), deps.owners));
      deps.logger.warn({ attemptId: id, callUuid: uuid, status: call.status }, 'silent call ended from the gateway');
      ended += 1;
    } catch (thrown) {
      deps.logger.warn({ attemptId: id, callUuid: uuid, err: coerceError(thrown).message }, 'silent call check failed');
    }
  }
  return ended;
}

/**
 * The events the lost webhooks would have brought, as far as the call record tells: a completed
 * call with a duration was answered (else the state machine would call it unanswered, and a retry
 * policy could ring the person again), and the record's billing fields fill the `completed`.
 */
function finalEvents(call: CallInfo, uuid: string): AttemptEventInput[] {
  const record = call.record ?? {};
  const text = (value: unknown) => (value === undefined || value === null ? null : String(value));
  const duration = Number(record.duration);
  const base = {
    eventAt: new Date(),
    detail: 'no webhook received; status read from the gateway',
    startTime: null,
    endTime: null,
    durationSeconds: null,
    price: null,
    rate: null,
    network: null,
    callUuid: uuid,
    conversationUuid: call.conversationUuid ?? null,
  };
  const last: AttemptEventInput = {
    ...base,
    status: call.status,
    durationSeconds: Number.isFinite(duration) ? duration : null,
    price: text(record.price),
    rate: text(record.rate),
    network: text(record.network),
  };
  const answered = call.status === 'completed' && Number.isFinite(duration) && duration > 0;
  return answered ? [{ ...base, status: 'answered' }, last] : [last];
}

/** Runs the check now and every `intervalMs` after a round ends, until closed. */
export function startSilentCallCheck(deps: SilentCallDeps, silentMs: number, intervalMs: number): Periodic {
  return runPeriodically(
    () =>
      reconcileSilentCalls(deps, silentMs).catch((thrown: unknown) =>
        deps.logger.warn({ err: coerceError(thrown).message }, 'silent call round failed'),
      ),
    intervalMs,
  );
}
