import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { listQuerySchema } from '../campaigns/campaign-schema.ts';
import { createReminderSchema } from '../reminders/reminder-schema.ts';
import { cancelReminder, createReminder, type ReminderDeps } from '../reminders/reminder-service.ts';
import { listReminders, reminderDetail } from '../reminders/reminder-view.ts';
import { dialPolicyFor } from '../shared/dial-policy.ts';
import { notFound } from '../shared/errors.ts';
import { claimFor } from '../shared/idempotency.ts';
import { decodeCursor, encodeCursor, requireMediaType } from '../shared/request-checks.ts';
import { parseOrThrow } from '../shared/validation.ts';
import type { ApiDeps } from './deps.ts';

const uuid = z.uuid();

/** A reminder id from the path; something that is not a UUID cannot exist, so it is a 404. */
function reminderIdParam(request: FastifyRequest): string {
  const id = (request.params as { id?: string }).id ?? '';
  if (!uuid.safeParse(id).success) throw notFound('Reminder', id);
  return id;
}

/** /v1/reminders…: thin adapters over reminder-service and reminder-view. */
export async function reminderRoutes(v1: FastifyInstance, deps: ApiDeps): Promise<void> {
  const service: ReminderDeps = {
    db: deps.db,
    queue: deps.queue,
    logger: deps.logger,
    defaultRegion: deps.config.defaultRegion,
    policy: dialPolicyFor(deps.config),
  };

  v1.post('/reminders', async (request, reply) => {
    requireMediaType(request, ['application/json']);
    const claim = claimFor(request, '/v1/reminders');
    const input = parseOrThrow(createReminderSchema, request.body);
    const answer = await createReminder(service, request.apiKeyId, input, claim);
    if (answer.replayed) void reply.header('idempotent-replayed', 'true');
    return reply.status(answer.status).send(answer.body);
  });

  v1.get('/reminders', async (request) => {
    const query = parseOrThrow(listQuerySchema, request.query, 'query');
    const afterId = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const page = await listReminders(deps.db, request.apiKeyId, { limit: query.limit, afterId });
    const last = page.items.at(-1);
    return { items: page.items, nextCursor: page.hasMore && last ? encodeCursor(last.id) : null };
  });

  v1.get('/reminders/:id', async (request) => reminderDetail(deps.db, request.apiKeyId, reminderIdParam(request)));

  v1.delete('/reminders/:id', async (request) => cancelReminder(service, request.apiKeyId, reminderIdParam(request)));
}
