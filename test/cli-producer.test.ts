import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/keys/api-keys.ts';
import { jsonOf, runCli } from './support/cli-runner.ts';
import { type Pipeline, startPipeline } from './support/pipeline-harness.ts';

const SCRIPT = '/usr/bin/script';
const CLI = new URL('../bin/callcast.js', import.meta.url).pathname;

/**
 * The producer commands as a user runs them: `node bin/callcast.js …` in its own process against
 * the real API (with a worker process and the gateway simulator for calls), output through pipes.
 */
describe('callcast producer commands against a running API', () => {
  let pipeline: Pipeline;
  let env: Record<string, string>;
  let dir: string;
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const numbers = Array.from({ length: 6 }, (_, i) => `+3161234${String(5100 + i)}`);
  let ncco: string;
  let contacts: string;

  beforeAll(async () => {
    pipeline = await startPipeline();
    const { key } = await createApiKey(pipeline.database.db, 'cli');
    env = { CALLCAST_API_URL: pipeline.publicUrl, CALLCAST_API_KEY: key };
    dir = mkdtempSync(join(tmpdir(), 'callcast-cli-'));
    ncco = file('script.json', JSON.stringify([{ action: 'talk', text: 'Hallo {{name}}', language: 'nl-NL' }]));
    const rows = numbers.map((number, i) => `${number},Person ${i}`);
    contacts = file('contacts.csv', ['number,name', ...rows, 'not-a-number,Nobody', ''].join('\n'));
    pipeline.startWorkers(1);
  });
  afterAll(async () => {
    await pipeline?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const later = () => new Date(Date.now() + 86_400_000).toISOString();
  const base = ['--from', '+31201234567', '--ncco'];

  it('creates a campaign from a CSV (--json), then watches it to the end one line per interval and reports it', async () => {
    const created = await runCli(
      [
        'campaign',
        'create',
        '--name',
        'CLI spring',
        ...base,
        ncco,
        '--csv',
        contacts,
        '--window',
        '00:00-23:59',
        '--json',
      ],
      env,
    );
    expect(created.code, created.stderr).toBe(0);
    const result = jsonOf<{ id: string; status: string; accepted: number; rejectedCount: number; rejected: unknown[] }>(
      created,
    );
    expect(result).toMatchObject({ status: 'running', accepted: 6, rejectedCount: 1 });
    expect(result.rejected).toEqual([expect.objectContaining({ number: 'not-a-number', code: 'invalid_number' })]);
    const stored = await pipeline.database.db
      .selectFrom('campaigns')
      .select(['name', 'recipient_count', 'call_window'])
      .where('id', '=', result.id)
      .executeTakeFirstOrThrow();
    expect(stored).toMatchObject({
      name: 'CLI spring',
      recipient_count: 6,
      call_window: { start: '00:00', end: '23:59' },
    });

    const started = Date.now();
    const watched = await runCli(['campaign', 'watch', result.id, '--interval', '0.5'], env, { timeoutMs: 90_000 });
    expect(watched.code, watched.stderr).toBe(0);
    const lines = watched.stdout.trimEnd().split('\n');
    const pattern = /^(\S+Z) (running|completed) (\d+)\/6 \(\d+\.\d%\) (–|\d+\.\d\d) calls\/s eta \S+ .+$/;
    for (const line of lines) expect(line).toMatch(pattern);
    expect(lines.at(-1)).toMatch(/ completed 6\/6 \(100\.0%\) .* completed=\d+/);
    const times = lines.map((line) => Date.parse(pattern.exec(line)?.[1] ?? ''));
    for (let i = 1; i < times.length; i++)
      expect((times[i] as number) - (times[i - 1] as number)).toBeGreaterThanOrEqual(450);
    // One line per interval: no more lines than half-seconds elapsed (plus the first).
    expect(lines.length).toBeLessThanOrEqual(Math.ceil((Date.now() - started) / 500) + 1);

    const report = await runCli(['campaign', 'report', result.id], env);
    expect(report.code, report.stderr).toBe(0);
    const [header, ...rows] = report.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^number,status,final_outcome,attempts/);
    expect(rows.map((row) => row.split(',')[0]).sort()).toEqual([...numbers].sort());
    for (const row of rows) expect(row.split(',')[1]).toBe('done');
  });

  it.skipIf(!existsSync(SCRIPT))(
    'on a terminal, draws the upload bar (bytes, rows) and a live bar with calls/s, ETA and outcomes',
    async () => {
      const quote = (arg: string) => `'${arg.replaceAll("'", "'\\''")}'`;
      const args = [
        'campaign',
        'create',
        '--name',
        'On a TTY',
        ...base,
        ncco,
        '--csv',
        contacts,
        '--watch',
        '--interval',
        '0.3',
      ];
      const command = [process.execPath, CLI, ...args].map(quote).join(' ');
      // script(1) runs the command on a pseudo-terminal, so stdout and stderr are TTYs.
      const output = await new Promise<string>((resolve, reject) =>
        execFile(
          SCRIPT,
          ['-qec', command, '/dev/null'],
          { env: { ...process.env, ...env }, timeout: 90_000 },
          (err, stdout) => (err ? reject(new Error(`${err.message}\n${stdout}`)) : resolve(stdout)),
        ),
      );
      const plain = stripVTControlCharacters(output);
      expect(plain).toMatch(/upload {3}\S+ 100% \| \d+(\.\d)? (B|KiB) of \d+(\.\d)? (B|KiB) \| 7 rows/);
      expect(plain).toMatch(/running {3}\S+ \d+% \| \d\/6 recipients \| (–|\d+\.\d\d) calls\/s \| ETA \S+ \| /);
      expect(plain).toMatch(/completed \S+ 100% \| 6\/6 recipients \| .* completed=\d+/);
      expect(plain).toMatch(/campaign \S+ completed: 6\/6 recipients finished; completed=\d+/);
    },
  );

  it('create --watch --json prints one JSON object per line: the created campaign, then each interval to the end', async () => {
    const two = file('two.csv', `number\n+31612345201\n+31612345202\n`);
    const run = await runCli(
      ['campaign', 'create', '--name', 'NDJSON', ...base, ncco, '--csv', two, '--watch', '--interval', '0.5', '--json'],
      env,
      { timeoutMs: 90_000 },
    );
    expect(run.code, run.stderr).toBe(0);
    const [created, ...intervals] = run.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(created).toMatchObject({ status: 'running', name: 'NDJSON', accepted: 2, rejectedCount: 0 });
    expect(intervals.length).toBeGreaterThan(0);
    for (const interval of intervals) expect(interval).toMatchObject({ id: created.id, total: 2 });
    expect(intervals.at(-1)).toMatchObject({ status: 'completed', finished: 2, progressPercent: 100 });
  });

  it('lists and shows campaigns, as a table and as JSON', async () => {
    const created = jsonOf<{ id: string }>(
      await runCli(
        [
          'campaign',
          'create',
          '--name',
          'Listed one',
          ...base,
          ncco,
          '--csv',
          contacts,
          '--start-at',
          later(),
          '--json',
        ],
        env,
      ),
    );
    const list = await runCli(['campaign', 'list', '--json'], env);
    expect(list.code, list.stderr).toBe(0);
    expect(jsonOf<{ items: Array<{ id: string }> }>(list).items.map((c) => c.id)).toContain(created.id);
    const table = await runCli(['campaign', 'list'], env);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+STATUS\s+RECIPIENTS\s+CREATED\s+NAME$/);
    expect(table.stdout).toMatch(new RegExp(`${created.id}\\s+running\\s+6\\s+\\S+\\s+Listed one`));

    const show = await runCli(['campaign', 'show', created.id, '--json'], env);
    expect(jsonOf(show)).toMatchObject({ id: created.id, name: 'Listed one', recipients: { pending: 6 } });
    const text = await runCli(['campaign', 'show', created.id], env);
    expect(text.stdout).toContain(`campaign    ${created.id}  running`);
    expect(text.stdout).toMatch(/recipients {2}0\/6 finished \(0\.0%\)/);
  });

  it('pauses, resumes and cancels; a change the state does not allow exits 1 with the API’s code', async () => {
    const { id } = jsonOf<{ id: string }>(
      await runCli(
        ['campaign', 'create', '--name', 'Steered', ...base, ncco, '--csv', contacts, '--start-at', later(), '--json'],
        env,
      ),
    );
    for (const [action, status] of [
      ['pause', 'paused'],
      ['resume', 'running'],
      ['cancel', 'cancelled'],
    ] as const) {
      const run = await runCli(['campaign', action, id, '--json'], env);
      expect(run.code, run.stderr).toBe(0);
      expect(jsonOf(run)).toMatchObject({ id, status });
    }
    const again = await runCli(['campaign', 'pause', id], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error: invalid_state \(HTTP 409\): /);
    const missing = await runCli(['campaign', 'show', '00000000-0000-4000-8000-000000000000'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('error: not_found (HTTP 404)');
  });

  it('a create repeated with the same --idempotency-key answers the first campaign and sends no CSV again', async () => {
    const args = ['campaign', 'create', '--name', 'Once', ...base, ncco, '--csv', contacts, '--start-at', later()];
    const key = `cli-${Date.now()}`;
    const first = jsonOf<{ id: string; accepted: number }>(
      await runCli([...args, '--idempotency-key', key, '--json'], env),
    );
    expect(first.accepted).toBe(6);
    const again = await runCli([...args, '--idempotency-key', key, '--json'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(jsonOf(again)).toMatchObject({ id: first.id, status: 'running', replayed: true, recipientCount: 6 });
    const text = await runCli([...args, '--idempotency-key', key], env);
    expect(text.stdout).toContain(
      `campaign ${first.id} was already created with this idempotency key (running, 6 recipients)`,
    );
    const rows = await pipeline.database.db
      .selectFrom('recipients')
      .select('id')
      .where('campaign_id', '=', first.id)
      .execute();
    expect(rows).toHaveLength(6);
  });

  it('prints a validation error with its code and offending field, exits 1 and creates nothing', async () => {
    const broken = file('broken.json', JSON.stringify([{ action: 'talk' }]));
    const before = await pipeline.database.db.selectFrom('campaigns').select('id').execute();
    const run = await runCli(['campaign', 'create', '--name', 'Broken', ...base, broken, '--csv', contacts], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: validation_failed \(HTTP 400\): /);
    expect(run.stderr).toMatch(/\n {2}field ncco\.0\.text: .+/);
    expect(run.stdout).toBe('');
    expect(await pipeline.database.db.selectFrom('campaigns').select('id').execute()).toHaveLength(before.length);

    const asJson = await runCli(
      ['campaign', 'create', '--name', 'Broken', ...base, broken, '--csv', contacts, '--json'],
      env,
    );
    expect(asJson.code).toBe(1);
    const error = JSON.parse(asJson.stderr).error;
    expect(error.code).toBe('validation_failed');
    expect(error.details.map((d: { field: string }) => d.field)).toContain('ncco.0.text');
  });

  it('cancels a new campaign again when no row of its CSV is accepted, and exits 1 saying so', async () => {
    const bad = file('bad.csv', 'number\nnope\n12\n');
    const run = await runCli(['campaign', 'create', '--name', 'Nobody', ...base, ncco, '--csv', bad], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^error: no_recipients: no row of .*bad\.csv was accepted \(campaign (\S+) was cancelled/,
    );
    expect(run.stderr).toMatch(/\n {2}field line 2: nope \[invalid_number\]/);
    const id = /campaign (\S+) was cancelled/.exec(run.stderr)?.[1] as string;
    const stored = await pipeline.database.db
      .selectFrom('campaigns')
      .select('status')
      .where('id', '=', id)
      .executeTakeFirst();
    expect(stored?.status).toBe('cancelled');
  });

  it('is a usage error (exit 2) without CALLCAST_API_KEY, or with an unknown option', async () => {
    const run = await runCli(['campaign', 'list'], { ...env, CALLCAST_API_KEY: undefined });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('CALLCAST_API_KEY is not set');
    const typo = await runCli(['campaign', 'create', '--name', 'x', '--windw', '09:00-20:00'], env);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('unknown option --windw');
  });

  it('exits 3 when the API cannot be reached or refuses the key', async () => {
    const down = await runCli(['campaign', 'list'], { ...env, CALLCAST_API_URL: 'http://127.0.0.1:9' });
    expect(down.code).toBe(3);
    expect(down.stderr).toContain('error: api_unreachable: cannot reach the API at http://127.0.0.1:9');
    const wrongKey = await runCli(['campaign', 'list'], { ...env, CALLCAST_API_KEY: 'not-a-key' });
    expect(wrongKey.code).toBe(3);
    expect(wrongKey.stderr).toContain('error: unauthorized (HTTP 401)');
  });

  it('adds, lists, searches and removes suppressed numbers', async () => {
    const add = await runCli(['suppress', 'add', '+31612349901', '0612349902', 'nope', '--json'], env);
    expect(add.code, add.stderr).toBe(0);
    expect(jsonOf(add)).toMatchObject({
      added: 2,
      accepted: 2,
      rejectedCount: 1,
      rejected: [{ index: 2, number: 'nope' }],
    });
    const list = jsonOf<{ items: Array<{ number: string }> }>(
      await runCli(['suppress', 'list', '--number', '+3161234990', '--json'], env),
    );
    expect(list.items.map((i) => i.number)).toEqual(['+31612349901', '+31612349902']);
    const remove = await runCli(['suppress', 'remove', '+31612349901'], env);
    expect(remove.code, remove.stderr).toBe(0);
    expect(remove.stdout).toContain('1 removed from the do-not-call list');
    const after = await runCli(['suppress', 'list', '--number', '3161234990'], env);
    expect(after.stdout).toMatch(/^NUMBER\s+ADDED\n\+31612349902\s+\S+\n$/);
  });

  it('creates, lists, shows and deletes a reminder', async () => {
    const at = later();
    const create = await runCli(
      ['reminder', 'create', '--to', '+31612349950', ...base, ncco, '--at', at, '--json'],
      env,
    );
    expect(create.code, create.stderr).toBe(0);
    const reminder = jsonOf<{ id: string; status: string; at: string }>(create);
    expect(reminder.status).toBe('active');
    expect(Date.parse(reminder.at)).toBe(Date.parse(at));
    const list = await runCli(['reminder', 'list'], env);
    expect(list.stdout).toMatch(new RegExp(`${reminder.id}\\s+active\\s+\\+31612349950`));
    const show = await runCli(['reminder', 'show', reminder.id, '--json'], env);
    expect(jsonOf(show)).toMatchObject({ id: reminder.id, to: '+31612349950', runCount: 1 });
    const del = await runCli(['reminder', 'delete', reminder.id], env);
    expect(del.code, del.stderr).toBe(0);
    expect(del.stdout).toContain(`reminder ${reminder.id} cancelled (status cancelled)`);
    const badCron = await runCli(
      [
        'reminder',
        'create',
        '--to',
        '+31612349950',
        ...base,
        ncco,
        '--cron',
        'never',
        '--timezone',
        'Europe/Amsterdam',
      ],
      env,
    );
    expect(badCron.code).toBe(1);
    expect(badCron.stderr).toMatch(/field recurrence\.cron: .*\[invalid_cron\]/);
  });
});
