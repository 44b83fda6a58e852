import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { Simulator } from '../simulator/simulator.ts';

/**
 * The call-results part of `npm run demo` (issue 13): a local receiver that verifies and prints
 * signed deliveries, a reminder that asks "press 1 to confirm", and a short campaign whose
 * callees press different keys, say "yes" or stay silent; then the answers' counts.
 */

type Say = (line: string) => void;

// Simulated callees by last digit: 1 presses 1, 2 presses 2, 3 stays silent, 4 says "yes please".
const CALLEE_INPUTS = {
  '1': { dtmf: '1' },
  '2': { dtmf: '2' },
  '3': { timeout: true as const },
  '4': { speech: 'yes please', confidence: 0.87 },
};
const NUMBERS = ['+31612399001', '+31612399002', '+31612399003', '+31612399004', '+31612399011'];
const REMINDER_TO = '+31612399021';

const ASK = [
  { action: 'talk', text: 'Hello {{name}}. Press 1 to confirm your appointment, 2 to cancel.', bargeIn: true },
  { action: 'input', type: ['dtmf', 'speech'], dtmf: { maxDigits: 1 }, speech: { language: 'en-GB' } },
];
const RESPONSES = {
  '1': { label: 'confirmed', ncco: [{ action: 'talk', text: 'Thank you, see you then.' }] },
  yes: { label: 'confirmed', keywords: ['yes'], ncco: [{ action: 'talk', text: 'Thank you, see you then.' }] },
  '2': { label: 'cancelled', ncco: [{ action: 'talk', text: 'Your appointment is cancelled.' }] },
  timeout: { label: 'no_answer', ncco: [{ action: 'talk', text: 'We will call you back.' }] },
};

interface DemoReceiver {
  url: string;
  setSecret(secret: string): void;
  count(): number;
  close(): Promise<void>;
}

/** A customer's receiver on loopback: verifies each delivery with `standardwebhooks` and prints it. */
async function startDemoReceiver(say: Say): Promise<DemoReceiver> {
  let verifier: Webhook | undefined;
  let received = 0;
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
    try {
      const event = verifier?.verify(body, headers) as { type: string; data: Record<string, unknown> };
      received += 1;
      say(`  ← webhook ${event.type.padEnd(22)} verified  ${describe(event.data)}`);
      res.writeHead(204).end();
    } catch {
      say('  ← webhook with a bad signature refused (401)');
      res.writeHead(401).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/callcast-events`,
    setSecret: (secret) => {
      verifier = new Webhook(secret);
    },
    count: () => received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function describe(data: Record<string, unknown>): string {
  const answer = data.answer as { label?: string } | null | undefined;
  const parts = [
    data.number,
    data.outcome,
    data.label ?? answer?.label,
    data.answersByLabel && JSON.stringify(data.answersByLabel),
  ];
  return parts.filter((part) => part !== undefined && part !== null).join('  ');
}

export async function runAnswersDemo(apiUrl: string, key: string, simulator: Simulator, say: Say): Promise<void> {
  say('\nCall results: a reminder and a campaign that ask "press 1 to confirm", results pushed to a local receiver…');
  const outcomes = Object.fromEntries([...NUMBERS, REMINDER_TO].map((n) => [n.slice(1), 'answered' as const]));
  simulator.configure({
    inputsByNumber: CALLEE_INPUTS,
    outcomesByNumber: { ...simulator.options().outcomesByNumber, ...outcomes },
  });
  const receiver = await startDemoReceiver(say);
  try {
    const endpoint = await api<{ id: string; secret: string }>(apiUrl, key, 'POST', '/v1/webhook-endpoints', {
      url: receiver.url,
      description: 'demo receiver',
    });
    receiver.setSecret(endpoint.secret);
    say(`  webhook endpoint ${endpoint.id} → ${receiver.url} (secret shown once: ${endpoint.secret.slice(0, 12)}…)`);
    const reminder = await api<{ id: string }>(apiUrl, key, 'POST', '/v1/reminders', {
      to: REMINDER_TO,
      from: '+31201234567',
      // A reminder's NCCO is written for its one callee (no placeholders).
      ncco: JSON.parse(JSON.stringify(ASK).replaceAll('{{name}}', 'Sam')),
      responses: RESPONSES,
      metadata: { appointmentId: 'A-1042' },
      at: new Date(Date.now() + 2_000).toISOString(),
    });
    const campaign = await api<{ id: string }>(apiUrl, key, 'POST', '/v1/campaigns', {
      name: 'Demo: press 1 to confirm',
      from: '+31201234567',
      ncco: ASK,
      responses: RESPONSES,
      metadata: { batch: 'demo' },
      retry: { maxAttempts: 1 },
      recipients: NUMBERS.map((number, i) => ({ number, data: { name: `Guest ${i + 1}` } })),
    });
    await until(
      async () =>
        (await api<{ status: string }>(apiUrl, key, 'GET', `/v1/campaigns/${campaign.id}`)).status === 'completed',
    );
    await until(async () => {
      const view = await api<{ runs: { label: string | null }[]; attempts: { status: string }[] }>(
        apiUrl,
        key,
        'GET',
        `/v1/reminders/${reminder.id}`,
      );
      return view.attempts.length > 0 && view.attempts.every((a) => a.status === 'ended');
    });
    // Deliveries trail the calls by the relay interval and one HTTP round trip.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const detail = await api<{ report: { answers: { byLabel: Record<string, number> } } }>(
      apiUrl,
      key,
      'GET',
      `/v1/campaigns/${campaign.id}`,
    );
    const remind = await api<{ runs: { run: number; label: string | null; digits: string | null }[] }>(
      apiUrl,
      key,
      'GET',
      `/v1/reminders/${reminder.id}`,
    );
    say(`\n  answers of campaign ${campaign.id}: ${JSON.stringify(detail.report.answers.byLabel)}`);
    for (const run of remind.runs)
      say(`  reminder run ${run.run}: answer ${run.label ?? '(none)'} (digits ${run.digits ?? '-'})`);
    say(`  verified deliveries received: ${receiver.count()}`);
  } finally {
    await receiver.close();
  }
}

async function until(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('demo: timed out waiting for the answers');
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function api<T>(apiUrl: string, key: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const payload = (await response.json()) as T;
  if (!response.ok) throw new Error(`${method} ${path} → ${response.status}: ${JSON.stringify(payload)}`);
  return payload;
}
