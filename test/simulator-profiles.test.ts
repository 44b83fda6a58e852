import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CallbackReceiver, startCallbackReceiver } from '../src/dev/simulator/callback-receiver.ts';
import { PROFILE_SETTINGS, profileBound } from '../src/dev/simulator/profiles.ts';
import { type Simulator, startSimulator } from '../src/dev/simulator/simulator.ts';
import { simulatorOptionsFromEnv } from '../src/dev/simulator/simulator-env.ts';

let receiver: CallbackReceiver;
beforeAll(async () => {
  receiver = await startCallbackReceiver();
});
afterAll(() => receiver.close());

async function token(simulator: Simulator): Promise<string> {
  const response = await fetch(simulator.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'client_id=demo-client&client_secret=demo-secret',
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

function createCall(simulator: Simulator, bearer: string, attempt: string): Promise<Response> {
  return fetch(`${simulator.url}/voice/calls`, {
    method: 'POST',
    headers: { authorization: `Bearer ${bearer}`, applicationid: 'app-1', 'content-type': 'application/json' },
    body: JSON.stringify({
      to: [{ type: 'phone', number: '31612345678' }],
      from: { type: 'phone', number: '31201234567' },
      answer_url: [`${receiver.url}/answer?attempt=${attempt}`],
      event_url: [`${receiver.url}/event?attempt=${attempt}`],
    }),
  });
}

describe('gateway simulator profiles', () => {
  it('counts a request after its one-way time and answers the profile’s answer time after that', async () => {
    const simulator = await startSimulator({ profile: 'far', timeScale: 0.001 });
    try {
      const bearer = await token(simulator);
      for (let i = 0; i < 3; i += 1) {
        const sentAt = Date.now();
        const response = await createCall(simulator, bearer, `far-${i}`);
        const answeredAt = Date.now();
        expect(response.status).toBe(201);
        const entry = simulator.requests().filter((r) => r.path === '/voice/calls')[i];
        const oneWay = (entry?.at ?? 0) - (entry?.receivedAt ?? 0);
        expect(oneWay).toBeGreaterThanOrEqual(9);
        expect(oneWay).toBeLessThanOrEqual(45);
        expect(answeredAt - (entry?.at ?? 0)).toBeGreaterThanOrEqual(249);
        expect(answeredAt - sentAt).toBeLessThan(600);
      }
    } finally {
      await simulator.close();
    }
  });

  it('smoothing refuses a second request inside 1000/N ms with a SpikeArrest fault, even the 2nd in a second', async () => {
    const simulator = await startSimulator({ profile: 'smoothing', oneWayMs: { min: 0, max: 0 }, timeScale: 0.001 });
    try {
      const bearer = await token(simulator);
      const first = await createCall(simulator, bearer, 's-1');
      const second = await createCall(simulator, bearer, 's-2');
      expect(first.status).toBe(201);
      expect(second.status).toBe(429);
      expect(await second.json()).toMatchObject({
        fault: { detail: { errorcode: 'policies.ratelimit.SpikeArrestViolation' } },
      });
      await new Promise((resolve) => setTimeout(resolve, 340));
      expect((await createCall(simulator, bearer, 's-3')).status).toBe(201);
      expect(simulator.options().counter).toBe('smoothing');
    } finally {
      await simulator.close();
    }
  });

  it('reads SIMULATOR_PROFILE and explicit ranges from the environment, explicit ones winning', () => {
    const options = simulatorOptionsFromEnv({ SIMULATOR_PROFILE: 'jittery', SIMULATOR_ANSWER_MS: '80-90' });
    expect(options).toMatchObject({ profile: 'jittery', answerMs: { min: 80, max: 90 } });
    expect(() => simulatorOptionsFromEnv({ SIMULATOR_ONE_WAY_MS: '30-10' })).toThrow(/SIMULATOR_ONE_WAY_MS/);
  });

  it('states each profile’s bound: N/(1 s + J) for a rolling window, 1/(1 s/N + J) when smoothing', () => {
    expect(profileBound(PROFILE_SETTINGS.loopback, 3)).toBe(3);
    expect(profileBound(PROFILE_SETTINGS.far, 3)).toBeCloseTo(2.941, 3);
    expect(profileBound(PROFILE_SETTINGS.jittery, 3)).toBeCloseTo(2.5, 3);
    expect(profileBound(PROFILE_SETTINGS.smoothing, 3)).toBeCloseTo(2.679, 3);
  });
});
