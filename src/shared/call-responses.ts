import { z } from 'zod';
import { nccoSchema } from './ncco.ts';

/**
 * What a call's `input` answers mean (issue 13). `responses` maps each expected answer to a
 * label, an optional reply NCCO (placeholders allowed, filled per recipient like the call's
 * NCCO) and an optional opt-out:
 *
 *   { "1": { label: "confirmed", ncco: [...] },
 *     "9": { label: "opt_out", optOut: true, ncco: [...] },
 *     "yes": { label: "confirmed", keywords: ["yes", "ja"] },
 *     timeout: { label: "no_answer", ncco: [...] },
 *     other: { label: "unclear", ncco: [...] } }
 *
 * A key of digits (0-9, *, #) is matched exactly against pressed keys; any answer may also list
 * speech `keywords` (a transcript containing one, as a whole word, case-insensitive, matches).
 * A key that is neither digits nor `timeout`/`other` names a speech-only answer and needs
 * keywords. `timeout`: nothing pressed or said; `other`: input that matched no answer.
 */

const label = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only');

const responseAnswerSchema = z.strictObject({
  label,
  /** Reply NCCO that replaces the call's remaining NCCO once this answer is given. */
  ncco: nccoSchema.optional(),
  /** Put the callee's number on the API key's do-not-call list at once. */
  optOut: z.boolean().optional(),
  /** Speech keywords that select this answer. */
  keywords: z.array(z.string().trim().min(1).max(100)).min(1).max(50).optional(),
});
export type ResponseAnswer = z.output<typeof responseAnswerSchema>;

const DIGITS_KEY = /^[0-9*#]{1,20}$/;
const SPECIAL_KEYS = new Set(['timeout', 'other']);
/** Most answers per call; a menu has a handful. */
const MAX_ANSWERS = 50;

/** Any entry: `label` may be left out only under `timeout` and `other` (it then defaults to the key). */
const entrySchema = responseAnswerSchema.extend({ label: label.optional() });

export const callResponsesSchema = z
  .record(z.string().min(1).max(64), entrySchema)
  .superRefine((value, ctx) => {
    const keys = Object.keys(value);
    if (keys.length === 0) ctx.addIssue({ code: 'custom', message: 'define at least one answer' });
    if (keys.length > MAX_ANSWERS) ctx.addIssue({ code: 'custom', message: `at most ${MAX_ANSWERS} answers` });
    for (const [key, entry] of Object.entries(value)) {
      const special = SPECIAL_KEYS.has(key);
      if (!special && entry.label === undefined)
        ctx.addIssue({ code: 'custom', path: [key, 'label'], message: 'required' });
      if (special && entry.keywords) {
        ctx.addIssue({ code: 'custom', path: [key, 'keywords'], message: `${key} takes no keywords` });
      }
      if (!special && !DIGITS_KEY.test(key) && !entry.keywords) {
        ctx.addIssue({ code: 'custom', path: [key], message: 'a key that is not digits needs keywords (speech)' });
      }
    }
  })
  .meta({
    description:
      'Answers of the call\'s `input` actions: keys are pressed digits, "timeout", "other", or a name for a speech-only answer (with keywords)',
    example: {
      '1': { label: 'confirmed', ncco: [{ action: 'talk', text: 'Thank you, {{name}}. See you then.' }] },
      '2': {
        label: 'cancelled',
        keywords: ['cancel'],
        ncco: [{ action: 'talk', text: 'Your appointment is cancelled.' }],
      },
      '9': { label: 'opt_out', optOut: true, ncco: [{ action: 'talk', text: 'We will not call you again.' }] },
      timeout: { label: 'no_answer' },
      other: { label: 'unclear' },
    },
  });

export type CallResponses = Record<string, Partial<ResponseAnswer>>;

/** Free-form JSON of the customer's own (its ids), echoed in every outbound webhook. 8 KiB at most. */
export const metadataSchema = z
  .record(z.string().max(100), z.unknown())
  .refine((value) => JSON.stringify(value).length <= 8192, 'metadata is at most 8 KiB of JSON')
  .meta({ example: { appointmentId: 'A-1042', clinic: 'Utrecht' } });

/** One input result as the gateway reported it (docs/gateway-facts.md §3, `input`). */
export interface InputResult {
  digits: string | null;
  timedOut: boolean;
  /** Speech hypotheses, best first. */
  speech: { text: string; confidence: number | null }[];
}

export interface MatchedAnswer {
  /** Which answer matched: a response key, or `timeout` / `other`; null when none applies. */
  key: string | null;
  label: string | null;
  ncco: unknown[] | null;
  optOut: boolean;
  /** The transcript that matched (or the best one), and its confidence. */
  speechText: string | null;
  confidence: number | null;
}

/** Maps one input result to an answer of `responses` (pure; unit-tested beside). */
export function matchAnswer(responses: CallResponses | null, input: InputResult): MatchedAnswer {
  const best = input.speech[0] ?? null;
  const none = { speechText: best?.text ?? null, confidence: best?.confidence ?? null };
  const answer = (key: string, speech = none): MatchedAnswer => {
    const found = responses?.[key];
    return {
      key: found ? key : null,
      label: found?.label ?? (found && SPECIAL_KEYS.has(key) ? key : null),
      ncco: found?.ncco ?? null,
      optOut: found?.optOut === true,
      ...speech,
    };
  };
  const digits = input.digits ?? '';
  if (digits !== '') return responses?.[digits] && DIGITS_KEY.test(digits) ? answer(digits) : answer('other');
  if (input.speech.length === 0) return answer(input.timedOut || !responses?.other ? 'timeout' : 'other');
  for (const hypothesis of input.speech) {
    const key = keywordKey(responses, hypothesis.text);
    if (key) return answer(key, { speechText: hypothesis.text, confidence: hypothesis.confidence });
  }
  return answer('other');
}

function keywordKey(responses: CallResponses | null, text: string): string | undefined {
  const words = ` ${text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ')} `;
  for (const [key, entry] of Object.entries(responses ?? {})) {
    for (const keyword of entry.keywords ?? []) {
      const phrase = keyword
        .toLowerCase()
        .replace(/[^\p{L}\p{N}]+/gu, ' ')
        .trim();
      if (phrase && words.includes(` ${phrase} `)) return key;
    }
  }
  return undefined;
}

export interface AnswerCounts {
  /** Attempts with an answer label. */
  total: number;
  /** Attempts per label of their latest answer. */
  byLabel: Record<string, number>;
}

/** Counts from `(answer_label, n)` rows, as reports and the reminder view show them. */
export function toCounts(rows: readonly { answer_label: string | null; n: string | number }[]): AnswerCounts {
  const byLabel: Record<string, number> = {};
  let total = 0;
  for (const row of rows) {
    if (row.answer_label === null) continue;
    byLabel[row.answer_label] = Number(row.n);
    total += Number(row.n);
  }
  return { total, byLabel };
}
