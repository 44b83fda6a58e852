import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { InputResult } from '../shared/call-responses.ts';
import { AppError } from '../shared/errors.ts';
import { zodProblems } from '../shared/validation.ts';

/**
 * The result of an `input` action as the gateway posts it to the action's eventUrl
 * (docs/gateway-facts.md §3): `dtmf { digits, timed_out }` and/or `speech { results[{ text, confidence }],
 * timeout_reason }`, plus the leg ids and a timestamp. Loose: unknown fields are kept in the
 * stored payload; confidence may arrive as a string.
 */
const confidence = z.union([z.number(), z.string().trim()]).nullish();
const inputSchema = z.looseObject({
  uuid: z.string().max(200).nullish(),
  conversation_uuid: z.string().max(200).nullish(),
  timestamp: z.string().max(100).nullish(),
  dtmf: z
    .looseObject({ digits: z.string().max(100).nullish(), timed_out: z.union([z.boolean(), z.string()]).nullish() })
    .nullish(),
  speech: z
    .looseObject({
      results: z
        .array(z.looseObject({ text: z.string().max(2000), confidence }))
        .max(50)
        .nullish(),
      timeout_reason: z.string().max(200).nullish(),
      error: z.string().max(2000).nullish(),
    })
    .nullish(),
});

export interface ParsedInput extends InputResult {
  payload: Record<string, unknown>;
  /** (leg uuid, timestamp), or the body's hash: the gateway may post one result twice. */
  dedupeKey: string;
}

export function parseInput(value: unknown): ParsedInput {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new AppError('validation_failed', 400, 'Invalid input result: the body must be a JSON object');
  }
  const result = inputSchema.safeParse(value);
  if (!result.success) {
    const problems = zodProblems(result.error);
    throw new AppError('validation_failed', 400, 'Invalid input result', { details: problems });
  }
  const body = result.data;
  const digits = body.dtmf?.digits ? body.dtmf.digits.trim() : '';
  const timedOut = body.dtmf?.timed_out === true || body.dtmf?.timed_out === 'true';
  const speech = (body.speech?.results ?? [])
    .map((item) => ({ text: item.text.trim(), confidence: toConfidence(item.confidence) }))
    .filter((item) => item.text !== '')
    .sort((a, b) => (b.confidence ?? 0) - (a.confidence ?? 0));
  const raw = JSON.stringify(value);
  return {
    payload: value as Record<string, unknown>,
    digits: digits === '' ? null : digits,
    timedOut: timedOut || (digits === '' && speech.length === 0),
    speech,
    dedupeKey:
      body.uuid && body.timestamp
        ? `${body.uuid}|${body.timestamp}`
        : `sha256:${createHash('sha256').update(raw).digest('hex')}`,
  };
}

function toConfidence(value: string | number | null | undefined): number | null {
  if (value === null || value === undefined || value === '') return null;
  const number = Number(value);
  return Number.isFinite(number) && number >= 0 && number <= 1 ? number : null;
}
