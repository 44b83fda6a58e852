import { sql } from 'kysely';
import type { Db, Trx } from '../db/connect.ts';
import { type MatchedAnswer, matchAnswer } from '../shared/call-responses.ts';
import { renderNcco } from '../shared/ncco-template.ts';
import { writeOutboundEvents } from '../shared/webhook-outbox.ts';
import { type WebhookBase, withOwnInputUrls } from '../shared/webhook-urls.ts';
import { type AttemptContext, attemptEventFields, loadAttemptContext } from './attempt-context.ts';
import type { ParsedInput } from './input-payload.ts';

/**
 * Said when an answer has no reply NCCO of its own (or the attempt is unknown): the gateway
 * needs an NCCO back, and a short sentence ends the call politely instead of in silence.
 */
const DEFAULT_REPLY_NCCO: readonly unknown[] = Object.freeze([
  { action: 'talk', text: 'Thank you. Goodbye.', language: 'en-GB' },
]);

/** Adds a number to the key's do-not-call list at once (wired to the suppression service). */
export type OptOut = (apiKeyId: string, number: string) => Promise<void>;

export interface InputDeps {
  db: Db;
  /** Where follow-up `input` actions of the reply send their results. */
  base: WebhookBase;
  optOut: OptOut;
}

export interface InputAnswer {
  ncco: unknown[];
  found: boolean;
  /** False when this result had been stored before (a repeated delivery). */
  stored: boolean;
  answer: MatchedAnswer | null;
}

/**
 * One input result of a live call (the gateway waits ≤ 5 s for the reply): matched to the
 * campaign's or reminder's `responses`, stored in order with the attempt's latest label and a
 * `call.answered_input` event in one transaction, the number suppressed at once for an opt-out,
 * and the matching reply NCCO rendered for this recipient. Two short queries and one
 * transaction, all by primary key.
 */
export async function answerInput(deps: InputDeps, attemptId: string, input: ParsedInput): Promise<InputAnswer> {
  const context = await loadAttemptContext(deps.db, attemptId);
  if (!context) return { ncco: [...DEFAULT_REPLY_NCCO], found: false, stored: false, answer: null };
  const answer = matchAnswer(context.responses, input);
  const stored = await deps.db.transaction().execute((trx) => storeInput(trx, attemptId, context, input, answer));
  // A repeated delivery suppresses again: harmless, and it covers a first try that failed here.
  if (answer.optOut) await deps.optOut(context.apiKeyId, context.number);
  const template = answer.ncco ?? DEFAULT_REPLY_NCCO;
  // A campaign's reply is a template like its NCCO; a reminder's is served as written.
  const rendered = context.campaignId ? renderNcco(template, context.data ?? {}) : [...template];
  return { ncco: withOwnInputUrls(rendered, deps.base, attemptId), found: true, stored, answer };
}

async function storeInput(
  trx: Trx,
  attemptId: string,
  context: AttemptContext,
  input: ParsedInput,
  answer: MatchedAnswer,
): Promise<boolean> {
  // The attempt's row lock orders two results of one call (seq) and their label update.
  await trx.selectFrom('call_attempts').select('id').where('id', '=', attemptId).forNoKeyUpdate().execute();
  const { rows } = await sql<{ seq: number; received_at: Date }>`
    insert into call_inputs (attempt_id, seq, dedupe_key, digits, timed_out, speech_text, confidence, label, opt_out, payload)
    select ${attemptId}::uuid, coalesce(max(seq), 0) + 1, ${input.dedupeKey}, ${input.digits}, ${input.timedOut},
           ${answer.speechText}, ${answer.confidence}, ${answer.label}, ${answer.optOut}, ${JSON.stringify(input.payload)}::jsonb
    from call_inputs where attempt_id = ${attemptId}::uuid
    on conflict (attempt_id, dedupe_key) do nothing
    returning seq, received_at`.execute(trx);
  const row = rows[0];
  if (!row) return false;
  await trx
    .updateTable('call_attempts')
    .set({ answer_label: answer.label, answer_digits: input.digits })
    .where('id', '=', attemptId)
    .execute();
  await writeOutboundEvents(trx, [
    {
      apiKeyId: context.apiKeyId,
      type: 'call.answered_input',
      data: {
        ...attemptEventFields(attemptId, context),
        sequence: row.seq,
        label: answer.label,
        digits: input.digits,
        speech: answer.speechText === null ? null : { text: answer.speechText, confidence: answer.confidence },
        timedOut: input.timedOut,
        optOut: answer.optOut,
        receivedAt: new Date(row.received_at).toISOString(),
        metadata: context.metadata,
      },
    },
  ]);
  return true;
}
