import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { AttemptEvent } from '../calls/event-plan.ts';
import { AppError } from '../shared/errors.ts';
import { zodProblems } from '../shared/validation.ts';

/**
 * One callback at the event URL, as far as we read it. Permissive on purpose (docs/gateway-facts.md §3):
 * unknown fields pass through into the stored payload; numbers may come as strings; the
 * machine-detection event names the leg `call_uuid`, not `uuid`; error events carry `reason`
 * and no `status`.
 */
const text = z.string().trim().min(1).max(500).optional();
const numeric = z.union([z.number(), z.string().trim()]).nullish();

const eventSchema = z
  .looseObject({
    status: text,
    reason: text,
    uuid: text,
    call_uuid: text,
    conversation_uuid: text,
    timestamp: text,
    start_time: z.string().nullish(),
    end_time: z.string().nullish(),
    detail: z.string().nullish(),
    sub_state: z.string().nullish(),
    network: z.string().nullish(),
    duration: numeric,
    rate: numeric,
    price: numeric,
  })
  .refine((event) => event.status !== undefined || event.reason !== undefined, {
    message: 'an event needs a status (or, for an error event, a reason)',
    path: ['status'],
  });

/** An event after parsing: the raw payload plus the fields the state machine reads. */
/** An event as received: what the state machine reads, plus what identifies and stores it. */
export interface ParsedEvent extends AttemptEvent {
  payload: Record<string, unknown>;
  callUuid: string | null;
  conversationUuid: string | null;
  dedupeKey: string;
}

/** Parses a JSON object (body or GET query). Throws a 400 naming the problem. */
export function parseEvent(value: unknown): ParsedEvent {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new AppError('validation_failed', 400, 'Invalid event: the body must be a JSON object');
  }
  const result = eventSchema.safeParse(value);
  if (!result.success) {
    const problems = zodProblems(result.error);
    const reasons = problems.map((problem) => `${problem.field}: ${problem.message}`).join('; ');
    throw new AppError('validation_failed', 400, `Invalid event: ${reasons}`, { details: problems });
  }
  const event = result.data;
  const callUuid = event.uuid ?? event.call_uuid ?? null;
  const status = event.status?.toLowerCase() ?? null;
  return {
    payload: value as Record<string, unknown>,
    status,
    callUuid,
    conversationUuid: event.conversation_uuid ?? null,
    eventAt: toDate(event.timestamp),
    detail: event.detail ?? event.sub_state ?? null,
    startTime: toDate(event.start_time),
    endTime: toDate(event.end_time),
    durationSeconds: toSeconds(event.duration),
    price: toDecimal(event.price),
    rate: toDecimal(event.rate),
    network: event.network || null,
    dedupeKey: dedupeKeyOf(
      callUuid ?? event.conversation_uuid,
      status ?? `reason:${event.reason}`,
      event.timestamp,
      value,
    ),
  };
}

/**
 * Deliveries repeat, so the natural key is (leg uuid, status, timestamp). An event missing one of
 * them is keyed by the hash of its canonical JSON instead: an exact repeat is still stored once.
 */
function dedupeKeyOf(uuid: string | undefined, status: string, timestamp: string | undefined, raw: unknown): string {
  if (uuid && timestamp) return `${uuid}|${status}|${timestamp}`;
  return `sha256:${createHash('sha256').update(canonicalJson(raw)).digest('hex')}`;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonicalJson(inner)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** ISO 8601 from webhooks; `YYYY-MM-DD HH:MM:SS` (UTC) from call records. Junk becomes null. */
function toDate(value: string | null | undefined): Date | null {
  if (!value) return null;
  const iso = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(value) ? `${value.replace(' ', 'T')}Z` : value;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date;
}

function toSeconds(value: string | number | null | undefined): number | null {
  const decimal = toDecimal(value);
  return decimal === null ? null : Math.round(Number(decimal));
}

const DECIMAL = /^-?\d+(\.\d+)?$/;

function toDecimal(value: string | number | null | undefined): string | null {
  if (value === null || value === undefined || value === '') return null;
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : value;
  return DECIMAL.test(text) ? text : null;
}
