import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli.ts';
import { type Simulator, startSimulator } from '../src/dev/simulator/simulator.ts';

let simulator: Simulator;
beforeAll(async () => {
  simulator = await startSimulator();
});
afterAll(() => simulator.close());

/** Runs the CLI in-process and returns its exit code and the JSON it printed. */
async function cli(...args: string[]): Promise<{ code: number; output: unknown }> {
  const printed: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((text: string) => void printed.push(text));
  const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    const env = {
      GATEWAY_URL: simulator.url,
      GATEWAY_TOKEN_URL: simulator.tokenUrl,
      GATEWAY_CLIENT_ID: 'demo-client',
      GATEWAY_CLIENT_SECRET: 'demo-secret',
      PUBLIC_URL: 'https://callcast.example.com',
      LOG_LEVEL: 'silent',
    };
    const code = await main(['application', ...args], env);
    return { code, output: printed.length ? JSON.parse(printed.join('\n')) : undefined };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

describe('callcast application', () => {
  it('creates, lists, shows, updates and deletes an application through the gateway', async () => {
    const created = await cli('create', '--name', 'campaigns');
    expect(created.code).toBe(0);
    const app = created.output as { id: string; answerUrl: string; eventUrl: string };
    expect(app).toMatchObject({
      name: 'campaigns',
      answerUrl: 'https://callcast.example.com/webhooks/answer',
      eventUrl: 'https://callcast.example.com/webhooks/event',
    });
    const form = simulator.requests().find((r) => r.method === 'POST' && r.path === '/applications');
    expect(form?.body).toMatchObject({ name: 'campaigns', type: 'voice' });

    expect((await cli('list')).output).toMatchObject({ count: 1, applications: [{ id: app.id }] });
    expect((await cli('show', app.id)).output).toMatchObject({ id: app.id, name: 'campaigns' });
    const updated = await cli('update', app.id, '--event-url=https://other.example.com/events');
    expect(updated.output).toMatchObject({ name: 'campaigns', eventUrl: 'https://other.example.com/events' });
    expect((await cli('delete', app.id)).output).toEqual({ id: app.id, deleted: true });
    expect((await cli('list')).output).toMatchObject({ count: 0 });
  });

  it('rejects an unknown action or option with usage (exit 2)', async () => {
    expect((await cli('frobnicate')).code).toBe(2);
    expect((await cli('create', '--colour', 'red')).code).toBe(2);
  });

  it('reports a gateway refusal (unknown application) with exit 1', async () => {
    expect((await cli('show', '00000000-0000-4000-8000-000000000404')).code).toBe(1);
  });
});
