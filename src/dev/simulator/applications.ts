import { randomUUID } from 'node:crypto';
import type { SimApplication, SimContext } from './context.ts';
import { type Exchange, problem, send } from './exchange.ts';

/** KPN's `/applications` resource: create takes a form body, update takes query parameters (KPN spec). */
export function handleApplications(ctx: SimContext, exchange: Exchange, id: string | undefined): void {
  const { method } = exchange;
  const existing = id === undefined ? undefined : ctx.applications.get(id);
  if (id === undefined && method === 'POST') save(ctx, exchange, randomUUID(), 201);
  else if (id === undefined && method === 'GET') list(ctx, exchange);
  else if (id === undefined) notAllowed(exchange);
  else if (!existing) send(exchange, 404, problem('not-found', 'Not Found', `Application ${id} not found`));
  else if (method === 'GET') send(exchange, 200, render(existing));
  else if (method === 'PUT') save(ctx, exchange, id, 200);
  else if (method === 'DELETE') {
    ctx.applications.delete(id);
    send(exchange, 204);
  } else notAllowed(exchange);
}

function notAllowed(exchange: Exchange): void {
  send(exchange, 405, problem('bad-request', 'Method Not Allowed', `${exchange.method} is not supported here`));
}

function save(ctx: SimContext, exchange: Exchange, id: string, status: number): void {
  const body = (exchange.body && typeof exchange.body === 'object' ? exchange.body : {}) as Record<string, unknown>;
  const field = (name: string): string | undefined => {
    const value = exchange.query.get(name) ?? body[name];
    return typeof value === 'string' && value.length > 0 ? value : undefined;
  };
  const missing = ['name', 'answer_url', 'event_url'].filter((name) => field(name) === undefined);
  if (missing.length > 0) {
    send(
      exchange,
      400,
      problem('bad-request', 'Bad Request', 'The request failed due to validation errors', {
        invalid_parameters: missing.map((name) => ({ name, reason: 'is required' })),
      }),
    );
    return;
  }
  const application: SimApplication = {
    id,
    name: field('name') as string,
    type: field('type') ?? 'voice',
    answerUrl: field('answer_url') as string,
    answerMethod: field('answer_method') ?? 'GET',
    eventUrl: field('event_url') as string,
    eventMethod: field('event_method') ?? 'POST',
  };
  ctx.applications.set(id, application);
  send(exchange, status, render(application));
}

function list(ctx: SimContext, exchange: Exchange): void {
  const pageSize = Math.min(Math.max(Number(exchange.query.get('page_size') ?? 10) || 10, 1), 100);
  const pageIndex = Math.max(Number(exchange.query.get('page_index') ?? 0) || 0, 0);
  const all = [...ctx.applications.values()];
  const page = all.slice(pageIndex * pageSize, (pageIndex + 1) * pageSize);
  send(exchange, 200, {
    count: all.length,
    page_size: pageSize,
    record_index: pageIndex * pageSize,
    _links: { self: { href: `/applications?page_size=${pageSize}&page_index=${pageIndex}` } },
    _embedded: { applications: page.map(render) },
  });
}

function render(application: SimApplication): Record<string, unknown> {
  return {
    id: application.id,
    name: application.name,
    voice: {
      webhooks: [
        { endpoint_type: 'answer_url', endpoint: application.answerUrl, http_method: application.answerMethod },
        { endpoint_type: 'event_url', endpoint: application.eventUrl, http_method: application.eventMethod },
      ],
    },
    keys: { public_key: '-----BEGIN PUBLIC KEY-----\nsimulated\n-----END PUBLIC KEY-----\n' },
    _links: { self: { href: `/applications/${application.id}` } },
  };
}
