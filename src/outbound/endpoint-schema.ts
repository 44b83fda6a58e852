import { z } from 'zod';
import { OUTBOUND_EVENT_TYPES } from '../shared/webhook-outbox.ts';

/** Request and answer shapes of /v1/webhook-endpoints; GET /docs publishes them. */

const eventType = z.enum(OUTBOUND_EVENT_TYPES);
const isoTime = z.string();

export const createEndpointSchema = z.strictObject({
  /** https (http only where WEBHOOK_ALLOW_PRIVATE_TARGETS=true); no private or loopback address. */
  url: z.string().min(1).max(2000).meta({ example: 'https://example.com/callcast-events' }),
  /** Event types to receive; default every type. */
  eventTypes: z
    .array(eventType)
    .min(1)
    .max(OUTBOUND_EVENT_TYPES.length)
    .refine((types) => new Set(types).size === types.length, 'event types must not repeat')
    .optional(),
  description: z.string().trim().max(500).optional(),
});
export type CreateEndpointInput = z.output<typeof createEndpointSchema>;

export const endpointViewSchema = z.object({
  id: z.uuid(),
  url: z.string(),
  eventTypes: z.array(eventType),
  description: z.string().nullable(),
  status: z.enum(['enabled', 'disabled']),
  disabledReason: z.string().nullable().meta({ description: 'why callcast disabled it (410 Gone, failing 3 days)' }),
  disabledAt: isoTime.nullable(),
  failingSince: isoTime.nullable().meta({ description: 'first failed try since the last delivered one' }),
  createdAt: isoTime,
});
export type EndpointView = z.output<typeof endpointViewSchema>;

export const endpointWithSecretSchema = endpointViewSchema.extend({
  secret: z.string().meta({ description: 'whsec_…: shown only in this answer; verify deliveries with it' }),
});

export const rotatedSecretSchema = z.object({
  id: z.uuid(),
  secret: z.string().meta({ description: 'the new secret, shown once' }),
  previousSecretValidUntil: isoTime.meta({ description: 'deliveries carry both signatures until then' }),
});

export const endpointPageSchema = z.object({ items: z.array(endpointViewSchema), nextCursor: z.string().nullable() });

const deliveryTrySchema = z.object({
  at: isoTime,
  statusCode: z.number().int().nullable().meta({ description: 'null: no HTTP answer (timeout, refused, …)' }),
  latencyMs: z.number().int(),
  error: z.string().nullable(),
});

const deliveryViewSchema = z.object({
  id: z.uuid(),
  eventId: z.uuid().meta({ description: 'the webhook-id header, the same on every try and replay' }),
  eventType: eventType,
  status: z.enum(['pending', 'delivered', 'failed']),
  tries: z.number().int(),
  lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
  deliveredAt: isoTime.nullable(),
  createdAt: isoTime,
  /** Every try, oldest first (at most the last 50). */
  attempts: z.array(deliveryTrySchema),
  payload: z.unknown().meta({ description: 'the exact JSON body sent' }),
});
export type DeliveryView = z.output<typeof deliveryViewSchema>;

export const deliveryPageSchema = z.object({ items: z.array(deliveryViewSchema), nextCursor: z.string().nullable() });

export const pageQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(200).optional(),
});
