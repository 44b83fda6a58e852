import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { createApiKey } from '../src/keys/api-keys.ts';
import { type Browser, expectVisible, hasChromium, launchBrowser, screenshot } from './support/browser.ts';
import { type Pipeline, startPipeline } from './support/pipeline-harness.ts';
import { waitFor } from './support/wait-for.ts';

const DOCS_DIR = process.env.UPDATE_SCREENSHOTS === '1' ? 'docs/screenshots' : undefined;
// The API's refusal of a bad label; any other answer ≥ 400 is a failure.
const EXPECTED_FAILURES = new Set(['400 POST /v1/campaigns']);
// The simulated callee presses 1, 2 or nothing by number (the simulator's inputsByNumber suffixes).
const ANSWERS = [
  { number: '+31612400001', input: { dtmf: '1' }, label: 'confirmed' },
  { number: '+31612400002', input: { dtmf: '1' }, label: 'confirmed' },
  { number: '+31612400003', input: { dtmf: '1' }, label: 'confirmed' },
  { number: '+31612400004', input: { dtmf: '2' }, label: 'cancelled' },
  { number: '+31612400005', input: { dtmf: '2' }, label: 'cancelled' },
  { number: '+31612400006', input: { timeout: true }, label: 'no_answer' },
] as const;
const NCCO = [
  { action: 'talk', text: 'Press 1 to confirm, 2 to cancel.', bargeIn: true },
  { action: 'input', type: ['dtmf'], dtmf: { maxDigits: 1, timeOut: 5 } },
];
const RESPONSES = {
  '1': { label: 'confirmed', ncco: [{ action: 'talk', text: 'Thank you.' }] },
  '2': { label: 'cancelled' },
  timeout: { label: 'no_answer' },
};
const expected = Object.fromEntries(
  [...new Set(ANSWERS.map((a) => a.label))].map((l) => [l, ANSWERS.filter((a) => a.label === l).length]),
);

/** A campaign with `responses` in headless Chromium: real answers from the simulator, labels on the page. */
describe.skipIf(!hasChromium)('dashboard answer labels in Chromium (API, worker process, simulator)', () => {
  let pipeline: Pipeline;
  let browser: Browser;
  let page: Page;
  let apiKey: string;
  let campaignId: string;
  const problems: string[] = [];

  beforeAll(async () => {
    pipeline = await startPipeline();
    pipeline.simulator.configure({
      inputsByNumber: Object.fromEntries(ANSWERS.map((a) => [a.number.slice(3), a.input])),
    });
    apiKey = (await createApiKey(pipeline.database.db, 'answers')).key;
    pipeline.startWorkers(1);
    browser = await launchBrowser();
    page = browser.page;
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('response', (response) => {
      const request = `${response.status()} ${response.request().method()} ${new URL(response.url()).pathname}`;
      if (response.status() >= 400 && !EXPECTED_FAILURES.has(request)) problems.push(request);
    });
    await page.addInitScript((key) => sessionStorage.setItem('callcast.apiKey', key), apiKey);
  });
  afterAll(async () => {
    await browser?.close();
    await pipeline?.close();
  });
  const keepScreenshotOnFailure = (name: string) =>
    onTestFailed(async () => {
      console.log(
        `screenshot of the failed page: ${await screenshot(page, '.tmp/screenshots', name).catch(() => 'none')}`,
      );
      for (const worker of pipeline.workers) console.log(`worker output:\n${worker.output().slice(-6000)}`);
    });

  it("shows the API's error at the responses field, then runs the campaign and counts each label in the chart", async () => {
    keepScreenshotOnFailure('answers-chart');
    await page.goto(`${pipeline.publicUrl}/#/campaigns/new`);
    await page.getByLabel('Name', { exact: true }).fill('Appointments');
    await page.getByLabel('Caller id (from)').fill('+31201234567');
    await page.getByLabel('NCCO (JSON)').fill(JSON.stringify(NCCO));
    const field = page.getByLabel('Answer labels (responses JSON, optional)');
    // Not JSON: refused at the field before any request.
    await field.fill('{"1": ');
    await page.getByRole('button', { name: 'Create campaign' }).click();
    await expectVisible(page.locator('[data-field-error="responses"]', { hasText: 'Not valid JSON' }));
    // JSON the API refuses: its error is shown at the field with the offending path, and only there.
    await field.fill('{"1": {"label": "has space"}}');
    await page.getByRole('button', { name: 'Create campaign' }).click();
    await expectVisible(page.locator('[data-field-error="responses"]', { hasText: 'responses.1.label' }));
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('[data-field-error]').count()).toBe(1);
    expect(await pipeline.database.db.selectFrom('campaigns').select('id').execute()).toHaveLength(0);

    await field.fill(JSON.stringify(RESPONSES, null, 2));
    const csv = `number\n${ANSWERS.map((a) => a.number).join('\n')}\n`;
    await page
      .getByLabel('Recipients (CSV file)')
      .setInputFiles({ name: 'answers.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: 'Create campaign' }).click();
    await page.waitForURL(/#\/campaigns\/[0-9a-f-]{36}$/);
    campaignId = page.url().split('/').at(-1) as string;
    await expectVisible(page.getByRole('heading', { name: 'Appointments' }));
    await expectVisible(page.locator('.badge', { hasText: 'completed' }), 30_000);

    const response = await fetch(`${pipeline.publicUrl}/v1/campaigns/${campaignId}`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    const detail = (await response.json()) as { report: { answers: { byLabel: Record<string, number> } } };
    expect(detail.report.answers.byLabel).toEqual(expected);
    const chart = page.locator('figure.bars', { hasText: 'Answer labels' });
    await waitFor(async () => (await chart.locator('li').count()) === 3, 10_000, 'three labels in the chart');
    for (const [label, n] of Object.entries(expected)) {
      expect(await chart.locator(`li[data-name="${label}"]`).getAttribute('data-count')).toBe(String(n));
    }
    if (DOCS_DIR) await screenshot(page, DOCS_DIR, 'campaign-answers');
  });

  it('filters the attempts by each label of the campaign', async () => {
    keepScreenshotOnFailure('answers-filter');
    const rows = page.locator('section[aria-labelledby="attempts-title"] tbody tr');
    await waitFor(async () => (await rows.count()) === ANSWERS.length, 10_000, 'every attempt listed');
    for (const [label, n] of Object.entries(expected)) {
      await page.getByRole('combobox', { name: /^Label\b/ }).selectOption(label);
      await page.getByRole('button', { name: 'Filter' }).click();
      const texts = await waitFor(
        async () => {
          const all = await rows.allTextContents();
          return all.length === n && all.every((row) => row.includes(label)) && all;
        },
        10_000,
        `${n} attempts labelled ${label}`,
      );
      for (const a of ANSWERS.filter((x) => x.label === label)) {
        expect(texts.some((row) => row.includes(a.number))).toBe(true);
      }
    }
  });

  it('ran without a script error or an unexpected error answer', () => {
    expect(problems).toEqual([]);
  });
});
