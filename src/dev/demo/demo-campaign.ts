import type { Simulator } from '../simulator/simulator.ts';

interface CampaignView {
  status: string;
  report?: {
    recipients?: { finished?: number; total?: number; progressPercent?: number };
    attempts?: { total?: number; byOutcome?: Record<string, number> };
    answerRate?: number | null;
    talkSeconds?: { total?: number };
    totalCost?: string;
  };
}

/** Submits the demo campaign through the public API, as a user would. Returns its id. */
export async function demoCampaign(apiUrl: string, key: string, count: number): Promise<string> {
  const recipients = Array.from({ length: count }, (_, i) => ({
    number: `+316200${String(i).padStart(5, '0')}`,
    timezone: 'Europe/Amsterdam',
    data: { name: `Guest ${i + 1}` },
  }));
  const body = {
    name: 'Demo: appointment confirmations',
    from: '+31201234567',
    ncco: [{ action: 'talk', text: 'Hello {{name}}, this is a callcast demo call.', language: 'en-GB' }],
    recipients,
    retry: { maxAttempts: 3, retryOn: ['busy', 'unanswered', 'timeout'], delaySeconds: 5 },
  };
  const created = await api<{ id: string; accepted: number; rejectedCount: number }>(
    apiUrl,
    key,
    'POST',
    '/v1/campaigns',
    body,
  );
  console.log(`  accepted ${created.accepted}, rejected ${created.rejectedCount}`);
  const reminder = await api<{ id: string }>(apiUrl, key, 'POST', '/v1/reminders', {
    to: '+31612345678',
    from: '+31201234567',
    ncco: [{ action: 'talk', text: 'Reminder: your appointment is tomorrow at 10:00.' }],
    at: new Date(Date.now() + 6_000).toISOString(),
  });
  console.log(`  reminder ${reminder.id} due in 6 s (goes ahead of the campaign's queue)`);
  return created.id;
}

/** Prints progress once a second until the campaign completes or time runs out. */
export async function watchCampaign(
  apiUrl: string,
  key: string,
  id: string,
  simulator: Simulator,
  timeoutSeconds: number,
): Promise<boolean> {
  const started = Date.now();
  while (Date.now() - started < timeoutSeconds * 1000) {
    const view = await api<CampaignView>(apiUrl, key, 'GET', `/v1/campaigns/${id}`);
    const done = view.report?.recipients?.finished ?? 0;
    const total = view.report?.recipients?.total ?? 0;
    const outcomes = Object.entries(view.report?.attempts?.byOutcome ?? {})
      .map(([outcome, n]) => `${outcome} ${n}`)
      .join(', ');
    const seconds = Math.round((Date.now() - started) / 1000);
    console.log(
      `  ${String(seconds).padStart(3)} s  ${view.status.padEnd(9)} ${done}/${total} done  ` +
        `gateway: ${createCalls(simulator).length} calls, max ${peakPerSecond(simulator)} in any 1 s  ${outcomes}`,
    );
    if (view.status === 'completed') return true;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  console.log(`  not finished after ${timeoutSeconds} s`);
  return false;
}

export async function printReport(apiUrl: string, key: string, id: string, simulator: Simulator): Promise<void> {
  const view = await api<CampaignView>(apiUrl, key, 'GET', `/v1/campaigns/${id}`);
  const calls = createCalls(simulator);
  const dialsPerNumber = new Map<string, number>();
  for (const call of calls.filter((request) => request.status === 201)) {
    dialsPerNumber.set(call.to ?? '', (dialsPerNumber.get(call.to ?? '') ?? 0) + 1);
  }
  console.log('\nResult');
  console.log(
    `  status ${view.status}; attempts ${view.report?.attempts?.total ?? 0}; answer rate ${view.report?.answerRate ?? '-'}`,
  );
  console.log(`  talk time ${view.report?.talkSeconds?.total ?? 0} s; cost EUR ${view.report?.totalCost ?? '0'}`);
  console.log(
    `  gateway saw ${calls.length} create-call requests, at most ${peakPerSecond(simulator)} in any 1 s window,`,
  );
  console.log(
    `  ${calls.filter((call) => call.status === 429).length} answered 429; most calls to one number (retries included, ≤ 3 by policy): ${Math.max(0, ...dialsPerNumber.values())}`,
  );
  const csv = await fetch(`${apiUrl}/v1/campaigns/${id}/report.csv`, { headers: { authorization: `Bearer ${key}` } });
  const lines = (await csv.text()).trim().split('\n');
  console.log(`\nreport.csv (${lines.length - 1} rows; first 5):`);
  for (const line of lines.slice(0, 6)) console.log(`  ${line}`);
}

function createCalls(simulator: Simulator) {
  return simulator.requests().filter((request) => request.method === 'POST' && request.path.endsWith('/calls'));
}

function peakPerSecond(simulator: Simulator): number {
  const times = createCalls(simulator)
    .map((request) => request.at)
    .sort((a, b) => a - b);
  let peak = 0;
  let start = 0;
  for (let end = 0; end < times.length; end++) {
    while ((times[end] as number) - (times[start] as number) >= 1000) start++;
    peak = Math.max(peak, end - start + 1);
  }
  return peak;
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
