import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { createApiKey } from '../src/keys/api-keys.ts';
import { type Browser, expectVisible, hasChromium, launchBrowser, screenshot } from './support/browser.ts';
import { type Pipeline, startPipeline } from './support/pipeline-harness.ts';
import { waitFor } from './support/wait-for.ts';
import { acceptedByNumber, createCalls } from './support/worker-processes.ts';

const FAILURES_DIR = '.tmp/screenshots';
// Committed screenshots for the README are rewritten only on request, so a normal run leaves the tree clean.
const DOCS_DIR = process.env.UPDATE_SCREENSHOTS === '1' ? 'docs/screenshots' : undefined;
// Enough that the campaign still runs while the list and the reminders page are used in a second
// tab (~20 s at 3/s).
const RECIPIENTS = 60;
const numbers = Array.from({ length: RECIPIENTS }, (_unused, i) => `+3161200${String(i).padStart(4, '0')}`);
const csv = `number,name\n${numbers.map((n, i) => `${n},Person ${i}`).join('\n')}\n`;
// The refused sign-in and the broken NCCO; any other answer ≥ 400 during the run is a failure.
const EXPECTED_FAILURES = new Set(['401 GET /v1/campaigns', '400 POST /v1/campaigns']);
// Added on the campaign page while it is paused.
const extra = ['+31612100001', '+31612100002', '+31612100003'];
const TOTAL = RECIPIENTS + extra.length;

if (!hasChromium)
  console.log('dashboard browser tests skipped: /usr/bin/chromium is absent (apt-get install chromium)');

/** The dashboard in headless Chromium, clicked through as an operator would, against the real pipeline. */
describe.skipIf(!hasChromium)('web dashboard in Chromium (API, worker processes, gateway simulator)', () => {
  let pipeline: Pipeline;
  let browser: Browser;
  let page: Page;
  let apiKey: string;
  let campaignId: string;
  const scriptErrors: string[] = [];

  beforeAll(async () => {
    pipeline = await startPipeline();
    apiKey = (await createApiKey(pipeline.database.db, 'dashboard')).key;
    pipeline.startWorkers(2);
    browser = await launchBrowser();
    page = browser.page;
    watchErrors(page, '');
  });

  /** Collects a tab's script errors and unexpected error answers for the last test. */
  function watchErrors(tab: Page, prefix: string): void {
    tab.setDefaultTimeout(15_000);
    tab.on('pageerror', (error) => scriptErrors.push(`${prefix}${error.message}`));
    tab.on('console', (message) => {
      // Failed requests are checked by status below, with the URL the console line lacks.
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
        scriptErrors.push(`${prefix}${message.text()}`);
      }
    });
    tab.on('response', (response) => {
      const request = `${response.status()} ${response.request().method()} ${new URL(response.url()).pathname}`;
      if (response.status() >= 400 && !EXPECTED_FAILURES.has(request)) scriptErrors.push(`${prefix}${request}`);
    });
  }
  afterAll(async () => {
    await browser?.close();
    await pipeline?.close();
  });

  const keepScreenshotOnFailure = (name: string) =>
    onTestFailed(async () => {
      const path = await screenshot(page, FAILURES_DIR, name).catch(() => 'none');
      console.log(`screenshot of the failed page: ${path}`);
      for (const worker of pipeline.workers) console.log(`worker output:\n${worker.output().slice(-6000)}`);
    });
  const docsShot = async (name: string) => DOCS_DIR && (await screenshot(page, DOCS_DIR, name));
  const progressOf = async () =>
    Number(await page.getByRole('progressbar', { name: 'Campaign progress' }).getAttribute('aria-valuenow'));

  it('refuses an unknown API key and signs in with a valid one', async () => {
    keepScreenshotOnFailure('sign-in');
    const response = await page.goto(`${pipeline.publicUrl}/`);
    expect(response?.headers()['content-security-policy']).toMatch(/script-src 'self' 'sha256-[^']+'/);
    await page.getByLabel('API key').fill('ck_not-a-real-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expectVisible(page.getByRole('alert').filter({ hasText: 'unauthorized' }));
    await docsShot('sign-in');
    // Keyboard only: the field, the key, Enter.
    await page.getByLabel('API key').fill('');
    await page.getByLabel('API key').focus();
    await page.keyboard.type(apiKey);
    await page.keyboard.press('Enter');
    await expectVisible(page.getByRole('heading', { name: 'Campaigns' }));
    expect(await page.evaluate(() => sessionStorage.getItem('callcast.apiKey'))).toBe(apiKey);
  });

  it("shows the API's validation error at the NCCO field of a broken NCCO", async () => {
    keepScreenshotOnFailure('broken-ncco');
    await page.getByRole('link', { name: 'New campaign' }).first().click();
    await page.getByLabel('Name', { exact: true }).fill('Broken');
    await page.getByLabel('Caller id (from)').fill('+31201234567');
    await page.getByLabel('NCCO (JSON)').fill('[{ "action": "talk", "loop": "twice" }]');
    await page.getByRole('button', { name: 'Create campaign' }).click();
    const error = page.locator('[data-field-error="ncco"]');
    await expectVisible(error);
    expect(await error.textContent()).toContain('ncco.0.text');
    expect(await error.textContent()).toContain('ncco.0.loop');
    expect(await page.getByLabel('NCCO (JSON)').getAttribute('aria-invalid')).toBe('true');
    // Only the NCCO is wrong: no other field is marked.
    expect(await page.locator('[data-field-error]').count()).toBe(1);
    await docsShot('new-campaign-validation');
    const listed = await pipeline.database.db.selectFrom('campaigns').select('id').execute();
    expect(listed).toHaveLength(0);
  });

  it('creates a campaign from a CSV file, calls a reminder created while it runs, pauses it, uploads more recipients, resumes it and watches it reach 100 %', async () => {
    keepScreenshotOnFailure('campaign-run');
    await page.getByLabel('Name', { exact: true }).fill('Spring reminders');
    await page.getByLabel('NCCO (JSON)').fill('[{ "action": "talk", "text": "Hello {{name}}" }]');
    await page
      .getByLabel('Recipients (CSV file)')
      .setInputFiles({ name: 'contacts.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByLabel('Call this number first').fill('+31612007777');
    await page.getByRole('button', { name: 'Place test call' }).click();
    await expectVisible(page.locator('[data-test-call]', { hasText: 'ended (completed)' }), 20_000);
    expect(acceptedByNumber(pipeline.simulator.requests()).get('31612007777')).toBe(1);
    await page.getByRole('button', { name: 'Create campaign' }).click();
    await page.waitForURL(/#\/campaigns\/[0-9a-f-]{36}$/);
    campaignId = page.url().split('/').at(-1) as string;
    await expectVisible(page.getByRole('heading', { name: 'Spring reminders' }));
    await expectVisible(page.locator('.live.on'));

    await waitFor(async () => (await progressOf()) >= 25, 20_000, 'a quarter of the recipients finished');
    // The stream's dial rate over its last seconds: under way, and within the limiter's cap.
    const rate = await waitFor(
      async () => {
        const text = (await page.locator('[data-stat="rate"]').textContent()) ?? '';
        const now = Number(text.split(' ')[0]);
        return now > 0 && now;
      },
      10_000,
      'a dial rate above 0',
    );
    expect(await page.locator('[data-stat="rate"]').textContent()).toContain('(cap 3)');
    expect(rate).toBeLessThanOrEqual(3.5);
    // issue 12: the ETA is the API's calling-window-aware estimate, and the share of the rate is shown.
    expect(await page.locator('[data-stat="eta"]').getAttribute('data-eta-source')).toBe('api');
    expect(await page.locator('[data-stat="eta"]').textContent()).toMatch(/\d+ (s|min)/);
    expect(await page.locator('[data-stat="share"]').textContent()).toMatch(/^\d+ %$/);
    await docsShot('campaign-running');
    await expectListShowsPace(campaignId);
    // A reminder created while the campaign dials is called before the campaign ends.
    await expectReminderWhileRunning(campaignId);
    await page.getByRole('button', { name: 'Pause' }).click();
    await expectVisible(page.locator('.badge', { hasText: 'paused' }));
    await expectVisible(page.getByRole('button', { name: 'Resume' }));
    // Jobs a worker already holds may still leave; after that nothing more is dialed while paused.
    const dialedAtPause = await settledCreateCalls(pipeline, 1_500, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(createCalls(pipeline.simulator.requests()).length).toBe(dialedAtPause);
    expect(acceptedByNumber(pipeline.simulator.requests()).size).toBeLessThan(RECIPIENTS);

    await page
      .getByLabel(/^Add recipients/)
      .setInputFiles({ name: 'more.csv', mimeType: 'text/csv', buffer: Buffer.from(`number\n${extra.join('\n')}\n`) });
    await page.getByRole('button', { name: 'Upload' }).click();
    await expectVisible(
      page.locator('[data-upload-result]', { hasText: `${extra.length} recipients added, 0 rejected` }),
    );

    await page.getByRole('button', { name: 'Resume' }).click();
    await waitFor(async () => (await progressOf()) === 100, 40_000, 'progress 100 %');
    await expectVisible(page.locator('.badge', { hasText: 'completed' }));
    expect(await page.locator('[data-stat="finished"]').textContent()).toContain(`${TOTAL} / ${TOTAL}`);
    expect(await page.locator('[data-announce]').textContent()).toBe(
      'Spring reminders: completed, 100 % of recipients finished.',
    );
    await expectVisible(page.locator('.bars li', { hasText: 'completed' }));
    await docsShot('campaign-completed');
  });

  it('downloads the report CSV with one row per recipient', async () => {
    keepScreenshotOnFailure('report-download');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download CSV report' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`campaign-${campaignId}.csv`);
    const text = await readFile(await download.path(), 'utf8');
    const [header, ...rows] = text.trim().split(/\r?\n/);
    expect(header).toContain('number');
    expect(rows).toHaveLength(TOTAL);
    for (const number of [...numbers, ...extra]) expect(rows.some((row) => row.includes(number))).toBe(true);
  });

  it('pages through the attempts with the API cursor and filters them by number', async () => {
    keepScreenshotOnFailure('attempts');
    const rows = page.locator('section[aria-labelledby="attempts-title"] tbody tr');
    await waitFor(async () => (await rows.count()) === 25, 10_000, 'a full first page');
    await page.getByRole('button', { name: 'Next' }).click();
    await expectVisible(page.getByText('Page 2'));
    await waitFor(async () => (await rows.count()) === Math.min(25, TOTAL - 25), 10_000, 'page 2');
    await page.getByRole('button', { name: 'Previous' }).click();
    await waitFor(async () => (await rows.count()) === 25, 10_000, 'page 1 again');
    await page.getByRole('searchbox', { name: 'Number' }).fill('0612100002');
    await page.getByRole('button', { name: 'Filter' }).click();
    await waitFor(async () => (await rows.count()) === 1, 10_000, 'one attempt for the number');
    expect(await rows.first().textContent()).toContain('+31612100002');
    await page.getByRole('searchbox', { name: 'Number' }).fill('');
    await page.getByRole('button', { name: 'Filter' }).click();
  });

  it('the campaign page fits a phone screen without sideways scrolling', async () => {
    keepScreenshotOnFailure('campaign-phone');
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await page.evaluate("window.dispatchEvent(new Event('resize'))");
      await expectVisible(page.getByRole('heading', { name: 'Spring reminders' }));
      const width = await page.evaluate<number>('document.documentElement.scrollWidth');
      expect(width).toBeLessThanOrEqual(390);
      await docsShot('campaign-phone');
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });

  it('lists the campaign at 100 % and filters by status', async () => {
    keepScreenshotOnFailure('campaigns-list');
    await page.getByRole('link', { name: 'Campaigns', exact: true }).click();
    const row = page.locator(`tr[data-campaign="${campaignId}"]`);
    await expectVisible(row);
    await waitFor(
      async () => (await row.getByRole('progressbar').getAttribute('aria-valuenow')) === '100',
      10_000,
      'row at 100 %',
    );
    await page.getByLabel('Status').selectOption('running');
    await expectVisible(page.getByText('No campaigns match the filters'));
    await page.getByLabel('Status').selectOption('completed');
    await expectVisible(row);
  });

  it('adds, finds and removes a suppressed number', async () => {
    keepScreenshotOnFailure('suppressions');
    await page.getByRole('link', { name: 'Suppressions' }).click();
    await page.getByLabel('Numbers (one per line)').fill('+31612009999\nnot-a-number');
    await page.getByRole('button', { name: 'Add to list' }).click();
    await expectVisible(page.getByText('1 added, 1 rejected'));
    await page.getByLabel('Number starts with').fill('+316120099');
    await page.getByRole('button', { name: 'Search' }).click();
    await expectVisible(page.getByRole('cell', { name: '+31612009999' }));
    await docsShot('suppressions');
    await page.getByRole('button', { name: 'Remove +31612009999' }).click();
    await expectVisible(page.getByText('No numbers match'));
  });

  it('cancels a campaign after a confirmation, and the live view says it is final', async () => {
    keepScreenshotOnFailure('cancel');
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const created = await fetch(`${pipeline.publicUrl}/v1/campaigns`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'Later',
        from: '+31201234567',
        startAt: later,
        ncco: [{ action: 'talk', text: 'Hi' }],
        recipients: [{ number: '+31612300001' }],
      }),
    });
    const { id } = (await created.json()) as { id: string };
    await page.goto(`${pipeline.publicUrl}/#/campaigns/${id}`);
    await expectVisible(page.locator('.live.on'));
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Cancel campaign' }).click();
    await expectVisible(page.locator('.badge', { hasText: 'cancelled' }));
    await expectVisible(page.locator('.live', { hasText: 'final' }));
    expect(await page.getByRole('button', { name: 'Pause' }).count()).toBe(0);
    expect(acceptedByNumber(pipeline.simulator.requests()).has('31612300001')).toBe(false);
  });

  /** The reminders page in a second tab while the campaign runs: a reminder due now is called, a repeating one deleted. */
  async function expectReminderWhileRunning(id: string): Promise<void> {
    const tab = await signedInTab('#/reminders');
    try {
      await tab.getByLabel('To', { exact: true }).fill('+31612008888');
      await tab.getByLabel('From', { exact: true }).fill('+31201234567');
      await tab.getByRole('button', { name: 'Create reminder' }).click();
      await tab.getByRole('link', { name: '+31612008888' }).click();
      await expectVisible(tab.getByRole('cell', { name: 'completed' }), 30_000);
      const campaign = await apiGet<{ status: string; report: { recipients: { remaining: number } } }>(
        `/campaigns/${id}`,
      );
      expect(campaign.status).toBe('running');
      expect(campaign.report.recipients.remaining).toBeGreaterThan(0);
      if (DOCS_DIR) await screenshot(tab, DOCS_DIR, 'reminder');
      await tab.getByRole('link', { name: 'Reminders' }).click();
      await tab.getByLabel('To', { exact: true }).fill('+31612008889');
      await tab.getByLabel('From', { exact: true }).fill('+31201234567');
      await tab.getByLabel('Repeating').check();
      await tab.getByLabel('Cron (min hour day month weekday)').fill('0 9 * * 1-5');
      await tab.getByRole('button', { name: 'Create reminder' }).click();
      await tab.getByRole('link', { name: '+31612008889' }).click();
      await expectVisible(tab.locator('.badge', { hasText: 'active' }));
      tab.once('dialog', (dialog) => void dialog.accept());
      await tab.getByRole('button', { name: 'Delete reminder' }).click();
      await expectVisible(tab.locator('.badge', { hasText: 'cancelled' }));
    } catch (err) {
      console.log(`screenshot of the reminders tab: ${await screenshot(tab, FAILURES_DIR, 'reminders-tab')}`);
      throw err;
    } finally {
      await tab.close();
    }
  }

  /** A second tab (its own sessionStorage, so signed in by an init script), its script errors collected. */
  async function signedInTab(hash: string): Promise<Page> {
    const tab = await browser.context.newPage();
    watchErrors(tab, 'second tab: ');
    await tab.addInitScript((key) => sessionStorage.setItem('callcast.apiKey', key), apiKey);
    await tab.goto(`${pipeline.publicUrl}/${hash}`);
    return tab;
  }

  async function apiGet<T>(path: string): Promise<T> {
    const response = await fetch(`${pipeline.publicUrl}/v1${path}`, { headers: { authorization: `Bearer ${apiKey}` } });
    expect(response.status).toBe(200);
    return (await response.json()) as T;
  }

  /** The campaigns list in a second tab: calls/s, the API's ETA and the share of the rate. */
  async function expectListShowsPace(id: string): Promise<void> {
    const list = await signedInTab('#/campaigns');
    try {
      const row = list.locator(`tr[data-campaign="${id}"]`);
      const cells = row.locator('td');
      await waitFor(async () => Number(await cells.nth(2).textContent()) > 0, 10_000, 'calls/s in the list');
      expect(await cells.nth(3).textContent()).toMatch(/\d+ (s|min)/);
      expect(await cells.nth(3).getAttribute('data-eta-source')).toBe('api');
      expect(await cells.nth(4).textContent()).toMatch(/^\d+ %$/);
      if (DOCS_DIR) await screenshot(list, DOCS_DIR, 'campaigns');
    } finally {
      await list.close();
    }
  }

  it('ran every page without a script error, a refused resource or an unexpected error answer', () => {
    expect(scriptErrors).toEqual([]);
  });
});

/** The number of create-call requests once none arrived for `quietMs`. */
async function settledCreateCalls(pipeline: Pipeline, quietMs: number, timeoutMs: number): Promise<number> {
  let count = -1;
  let since = Date.now();
  return waitFor(
    async () => {
      const now = createCalls(pipeline.simulator.requests()).length;
      if (now !== count) [count, since] = [now, Date.now()];
      return Date.now() - since >= quietMs && count;
    },
    timeoutMs,
    'dialing to stop',
  );
}
