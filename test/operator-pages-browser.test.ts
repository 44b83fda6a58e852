import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, hasChromium, launchBrowser, screenshot } from './support/browser.ts';
import { type IntakeHarness, startIntakeHarness } from './support/campaigns-harness.ts';

const ADMIN_TOKEN = 'browser-admin-token-0123456789abcdef';
const FAILURES = new URL('../.tmp/operator-pages-failures/', import.meta.url).pathname;

if (!hasChromium)
  console.log('operator page browser tests skipped: /usr/bin/chromium is absent (apt-get install chromium)');

describe.skipIf(!hasChromium)('operator pages in Chromium: /docs and /admin/queues', () => {
  let harness: IntakeHarness;
  let browser: Browser;
  let origin: string;
  const foreign: string[] = [];

  beforeAll(async () => {
    harness = await startIntakeHarness({ ADMIN_TOKEN });
    origin = await harness.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchBrowser();
    browser.page.on('request', (request) => {
      if (!request.url().startsWith(origin) && !request.url().startsWith('data:')) foreign.push(request.url());
    });
  });
  afterAll(async () => {
    await browser?.close();
    await harness?.close();
  });

  async function onFailure(name: string, run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (err) {
      await screenshot(browser.page, FAILURES, name).catch(() => undefined);
      throw err;
    }
  }

  it('/docs renders the API reference from the API itself, every operation listed, nothing from a CDN', () =>
    onFailure('docs', async () => {
      const { page } = browser;
      await page.goto(`${origin}/docs`);
      await page
        .getByRole('heading', { name: /callcast/ })
        .first()
        .waitFor({ timeout: 20_000 });
      const create = page.locator('.opblock-post .opblock-summary-path', { hasText: /^\/v1\/campaigns$/ });
      await create.first().waitFor();
      // Opening an operation shows its request body schema.
      await create.first().click();
      await page.getByText('Idempotency-Key').first().waitFor();
      const paths = await page.locator('.opblock-summary-path').allTextContents();
      expect(paths.map((p) => p.replace(/\u200b/g, ''))).toEqual(expect.arrayContaining(['/v1/reminders', '/health']));
      expect(foreign).toEqual([]);
    }));

  it('/admin/queues shows the call queue to a browser that signs in with the token (basic auth)', () =>
    onFailure('admin-queues', async () => {
      const { page, context } = browser;
      // Without credentials the browser gets the challenge and no page.
      await expect(page.goto(`${origin}/admin/queues`)).rejects.toThrow(/ERR_INVALID_AUTH_CREDENTIALS/);
      // What an operator types into the browser's sign-in prompt: any name, the token as password.
      await context.setHTTPCredentials({ username: 'operator', password: ADMIN_TOKEN });
      const page200 = await page.goto(`${origin}/admin/queues`);
      expect(page200?.status()).toBe(200);
      await page.getByText(harness.queue.name, { exact: false }).first().waitFor({ timeout: 20_000 });
      expect(foreign, 'requests to other origins').toEqual([]);
    }));
});
