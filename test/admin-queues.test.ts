import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IntakeHarness, startIntakeHarness } from './support/campaigns-harness.ts';

const ADMIN_TOKEN = 'admin-token-for-tests-0123456789abcdef';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('Bull Board at /admin/queues', () => {
  describe('without ADMIN_TOKEN', () => {
    let harness: IntakeHarness;
    beforeAll(async () => {
      harness = await startIntakeHarness();
    });
    afterAll(() => harness?.close());

    it('is off: /admin/queues answers 404 even with a bearer token', async () => {
      for (const url of ['/admin/queues', '/admin/queues/api/queues']) {
        const response = await harness.app.inject({ url, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
        expect(response.statusCode, url).toBe(404);
      }
    });
  });

  describe('with ADMIN_TOKEN', () => {
    let harness: IntakeHarness;
    beforeAll(async () => {
      harness = await startIntakeHarness({ ADMIN_TOKEN });
      await harness.queue.add('call', { attemptId: '00000000-0000-4000-8000-000000000001', v: 1 }, { delay: 60_000 });
    });
    afterAll(() => harness?.close());

    it('refuses a missing or wrong token with 401 and a basic-auth challenge a browser answers', async () => {
      for (const authorization of [undefined, 'Bearer wrong-token', `Bearer ${ADMIN_TOKEN}x`, basic('ops', 'wrong')]) {
        const response = await harness.app.inject({
          url: '/admin/queues',
          headers: authorization ? { authorization } : {},
        });
        expect(response.statusCode, String(authorization)).toBe(401);
        expect(response.headers['www-authenticate']).toMatch(/^Basic realm="callcast admin"/);
        expect(response.json().error.code).toBe('unauthorized');
      }
      const api = await harness.app.inject({
        url: '/admin/queues/api/queues',
        headers: { authorization: 'Bearer no' },
      });
      expect(api.statusCode).toBe(401);
    });

    it('serves the board page and its queue API with the right bearer token', async () => {
      const authorization = `Bearer ${ADMIN_TOKEN}`;
      const page = await harness.app.inject({ url: '/admin/queues', headers: { authorization } });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toMatch(/text\/html/);
      expect(page.body).toContain('callcast queues');
      expect(page.body, 'no font CDN').not.toContain('fonts.googleapis.com');
      const queues = await harness.app.inject({ url: '/admin/queues/api/queues', headers: { authorization } });
      expect(queues.statusCode).toBe(200);
      const body = queues.json() as { queues: Array<{ name: string; counts: Record<string, number> }> };
      const calls = body.queues.find((queue) => queue.name === harness.queue.name);
      expect(calls?.counts.delayed).toBe(1);
    });

    it('is read-only: a change through the board is refused and the queue keeps its jobs', async () => {
      const authorization = `Bearer ${ADMIN_TOKEN}`;
      const url = `/admin/queues/api/queues/${encodeURIComponent(harness.queue.name)}/promote`;
      const response = await harness.app.inject({ method: 'PUT', url, headers: { authorization } });
      expect(response.statusCode).toBe(405);
      expect(await harness.queue.getDelayedCount()).toBe(1);
    });

    it('accepts the token as the basic-auth password (any user name), and serves the board assets', async () => {
      const authorization = basic('operator', ADMIN_TOKEN);
      const page = await harness.app.inject({ url: '/admin/queues', headers: { authorization } });
      expect(page.statusCode).toBe(200);
      const asset = /(?:src|href)="([^"]+\.(?:js|css))"/.exec(page.body)?.[1];
      expect(asset, 'the page links a script or stylesheet').toBeTruthy();
      const served = await harness.app.inject({
        url: new URL(asset!, 'http://x/admin/queues/').pathname,
        headers: { authorization },
      });
      expect(served.statusCode).toBe(200);
      const refused = await harness.app.inject({ url: new URL(asset!, 'http://x/admin/queues/').pathname });
      expect(refused.statusCode).toBe(401);
    });
  });
});
