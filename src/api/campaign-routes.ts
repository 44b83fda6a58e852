import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { type CampaignAction, changeCampaignStatus } from '../campaigns/campaign-control.ts';
import { countRecipientsByStatus, findCampaign, listCampaigns } from '../campaigns/campaign-repository.ts';
import { createCampaignSchema, inlineRecipientsSchema, listQuerySchema } from '../campaigns/campaign-schema.ts';
import { addRecipients, createCampaign, type IntakeDeps } from '../campaigns/campaign-service.ts';
import { toCampaignDetail, toCampaignView } from '../campaigns/campaign-view.ts';
import { campaignPace } from '../reports/campaign-pace.ts';
import { summarizeCampaign } from '../reports/campaign-summary.ts';
import { dialPolicyFor } from '../shared/dial-policy.ts';
import { claimFor } from '../shared/idempotency.ts';
import { campaignIdParam, decodeCursor, encodeCursor, requireMediaType } from '../shared/request-checks.ts';
import { parseOrThrow } from '../shared/validation.ts';
import type { ApiDeps } from './deps.ts';

const JSON_TYPE = 'application/json';
const CSV_TYPES = ['text/csv', 'application/csv'];

/** /v1/campaigns…: thin adapters over campaign-service and campaign-control. */
export async function campaignRoutes(v1: FastifyInstance, deps: ApiDeps): Promise<void> {
  const intake: IntakeDeps = {
    db: deps.db,
    defaultRegion: deps.config.defaultRegion,
    csv: deps.csvIntake,
    policy: dialPolicyFor(deps.config),
  };
  await v1.register(async (scope) => {
    // The raw stream is handed on unread, so an upload of any size is parsed row by row.
    scope.addContentTypeParser(CSV_TYPES, (_request, payload, done) => done(null, payload));

    scope.post('/campaigns', async (request, reply) => {
      requireMediaType(request, [JSON_TYPE]);
      const claim = claimFor(request, '/v1/campaigns');
      const input = parseOrThrow(createCampaignSchema, request.body);
      const answer = await createCampaign(intake, request.apiKeyId, input, claim);
      if (answer.replayed) void reply.header('idempotent-replayed', 'true');
      return reply.status(answer.status).send(answer.body);
    });

    scope.get('/campaigns', async (request) => {
      const query = parseOrThrow(listQuerySchema, request.query, 'query');
      const afterId = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      const page = await listCampaigns(deps.db, request.apiKeyId, { limit: query.limit, afterId });
      const last = page.items.at(-1);
      return { items: page.items.map(toCampaignView), nextCursor: page.hasMore && last ? encodeCursor(last.id) : null };
    });

    scope.get('/campaigns/:id', async (request) => {
      const campaign = await findCampaign(deps.db, request.apiKeyId, campaignIdParam(request));
      const [recipients, report] = await Promise.all([
        countRecipientsByStatus(deps.db, campaign.id),
        summarizeCampaign(deps.db, campaign.id),
      ]);
      const remaining = recipients.pending + recipients.queued;
      const dispatch = await campaignPace(deps.db, campaign, remaining, deps.config.callsPerSecond);
      return { ...toCampaignDetail(campaign, recipients), report, dispatch };
    });

    for (const action of ['pause', 'resume', 'cancel'] as const satisfies CampaignAction[]) {
      scope.post(`/campaigns/:id/${action}`, async (request) => {
        const campaign = await changeCampaignStatus(deps, request.apiKeyId, campaignIdParam(request), action);
        return toCampaignView(campaign);
      });
    }

    scope.post('/campaigns/:id/recipients', async (request, reply) => {
      const id = campaignIdParam(request);
      const type = requireMediaType(request, [JSON_TYPE, ...CSV_TYPES]);
      const source =
        type === JSON_TYPE
          ? { kind: 'json' as const, rows: parseOrThrow(inlineRecipientsSchema, request.body) }
          : { kind: 'csv' as const, stream: request.body as Readable };
      return reply.status(201).send(await addRecipients(intake, request.apiKeyId, id, source));
    });
  });
}
