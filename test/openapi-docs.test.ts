import { existsSync, statSync } from 'node:fs';
import { compileErrors, validate } from '@readme/openapi-parser';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IntakeHarness, startIntakeHarness } from './support/campaigns-harness.ts';

const WEB_ROOT = new URL('../web/', import.meta.url).pathname;
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/**
 * Every route of the app as "METHOD /path/{param}", read from Fastify's own route tree
 * (printRoutes draws the radix tree: a route's path is its segments from the root joined).
 */
function registeredRoutes(app: FastifyInstance): Set<string> {
  const routes = new Set<string>();
  const stack: string[] = [];
  for (const line of app.printRoutes().split('\n')) {
    const match = /^([│ ]*)[└├]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = (match[1] ?? '').length / 4;
    stack.length = depth;
    stack.push(match[2] ?? '');
    const path = stack.join('').replace(/:(\w+)/g, '{$1}');
    for (const method of (match[3] ?? '').split(', ').filter(Boolean)) {
      // Fastify adds HEAD to every GET by itself; OpenAPI documents the GET.
      if (method !== 'HEAD') routes.add(`${method} ${path}`);
    }
  }
  return routes;
}

/**
 * Routes that are not the JSON API, so not in the document, each with why. Everything else a
 * route file registers must be documented, and a new undocumented route fails this test.
 */
function notApi(route: string): string | undefined {
  const [method, path = ''] = route.split(' ');
  if (path === '/metrics') return 'Prometheus text exposition for scrapers (README "Metrics")';
  if (path === '/admin/queues' || path.startsWith('/admin/queues/')) return 'Bull Board UI and its private API';
  if (path === '/docs' || path.startsWith('/docs/')) return 'this reference itself: page, its assets, the document';
  if (path === '/vendor/{file}') return "the dashboard's browser modules from node_modules";
  const file = path === '/' ? 'index.html' : path.slice(1);
  if (method === 'GET' && existsSync(WEB_ROOT + file) && statSync(WEB_ROOT + file).isFile())
    return 'a static file of the dashboard (web/)';
  return undefined;
}

function documentedRoutes(document: Record<string, unknown>): Set<string> {
  const routes = new Set<string>();
  for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, unknown>>)) {
    for (const method of METHODS) if (item[method]) routes.add(`${method.toUpperCase()} ${path}`);
  }
  return routes;
}

describe('the OpenAPI document at /docs/openapi.json matches the registered routes', () => {
  let harness: IntakeHarness;
  let document: Record<string, unknown>;
  let registered: Set<string>;

  beforeAll(async () => {
    // With ADMIN_TOKEN so that every optional route is registered too.
    harness = await startIntakeHarness({ ADMIN_TOKEN: 'docs-test-admin-token-0123456789' });
    await harness.app.ready();
    const response = await harness.app.inject({ url: '/docs/openapi.json' });
    expect(response.statusCode).toBe(200);
    document = response.json();
    registered = registeredRoutes(harness.app);
  });
  afterAll(() => harness?.close());

  it('reads the route tree (sanity: known routes of every kind are found)', () => {
    for (const route of ['POST /v1/campaigns', 'GET /v1/campaigns/{id}', 'POST /webhooks/event', 'GET /metrics'])
      expect(registered, route).toContain(route);
    expect([...registered].some((route) => route.startsWith('GET /admin/queues'))).toBe(true);
  });

  it('documents every registered API route', () => {
    const documented = documentedRoutes(document);
    const missing = [...registered].filter((route) => !documented.has(route) && !notApi(route));
    expect(missing, 'routes registered but not in src/api/openapi.ts').toEqual([]);
  });

  it('documents no route that is not registered, and allow-lists none of its own paths', () => {
    const documented = [...documentedRoutes(document)];
    expect(
      documented.filter((route) => !registered.has(route)),
      'documented but not registered',
    ).toEqual([]);
    expect(documented.filter((route) => notApi(route))).toEqual([]);
  });

  it('is a valid OpenAPI 3.1 document for an independent validator (@readme/openapi-parser)', async () => {
    const result = await validate(structuredClone(document) as Parameters<typeof validate>[0]);
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
    expect(result.warnings).toEqual([]);
  });

  it('serves the interactive reference: Swagger UI from the API itself, no CDN', async () => {
    const page = await harness.app.inject({ url: '/docs', headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const sources = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '');
    expect(sources.length).toBeGreaterThanOrEqual(3);
    for (const source of sources) {
      expect(source, 'same origin').toMatch(/^\/docs\//);
      const asset = await harness.app.inject({ url: source });
      expect(asset.statusCode, source).toBe(200);
      expect(asset.body.length, source).toBeGreaterThan(0);
    }
    const init = await harness.app.inject({ url: '/docs/init.js' });
    expect(init.body).toContain("url: '/docs/openapi.json'");
    const bundle = await harness.app.inject({ url: '/docs/assets/swagger-ui-bundle.js' });
    expect(bundle.body).toContain('SwaggerUIBundle');
    expect((await harness.app.inject({ url: '/docs/assets/package.json' })).statusCode).toBe(404);
  });

  it('still answers GET /docs with the JSON document for clients that do not ask for HTML', async () => {
    const response = await harness.app.inject({ url: '/docs', headers: { accept: 'application/json' } });
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.json()).toEqual(document);
  });
});
