import type { SimulatedOutcome, SimulatorOptions } from './options.ts';
import type { Dice } from './random.ts';

/** What the simulator knows about a call when it plans its events. */
export interface PlannedCall {
  uuid: string;
  conversationUuid: string;
  to: string;
  from: string;
  createdAt: number;
  machineDetection?: 'continue' | 'hangup';
  ringingTimer?: number;
  lengthTimer?: number;
}

/** One event callback: `atMs` is when it happens on the gateway, `deliverMs` when it is posted. */
export interface PlannedEvent {
  atMs: number;
  deliverMs: number;
  status: string;
  payload: Record<string, unknown>;
  duplicate?: boolean;
}

export interface CallPlan {
  outcome: SimulatedOutcome;
  /** When the callee picks up (ms after creation), for answered and machine calls. */
  answerAtMs?: number;
  events: PlannedEvent[];
}

type Style = SimulatorOptions['numericStyle'];
type PlanOptions = Pick<SimulatorOptions, 'timeScale' | 'numericStyle' | 'duplicateShare' | 'outOfOrderShare'>;

/** Cost per minute in EUR, written like Vonage's records. */
const RATE = '0.10000000';

/**
 * The realistic event sequence for one outcome (docs/gateway-facts.md §3), with delays at real-life speed
 * multiplied by `timeScale`, plus the optional duplicate and out-of-order deliveries.
 */
export function planCall(call: PlannedCall, outcome: SimulatedOutcome, options: PlanOptions, dice: Dice): CallPlan {
  const scale = (ms: number) => Math.round(ms * options.timeScale);
  const steps: Array<{ atMs: number; status: string; extra?: Record<string, unknown> }> = [];
  const add = (atMs: number, status: string, extra?: Record<string, unknown>) => steps.push({ atMs, status, extra });
  const started = scale(50);
  add(started, 'started');
  const ringing = started + scale(dice.between(400, 1500));
  const ringLimitMs = (call.ringingTimer ?? 60) * 1000;
  let answerAtMs: number | undefined;

  if (outcome === 'rejected') {
    add(started + scale(dice.between(100, 600)), 'rejected', { detail: 'invalid_number' });
  } else if (outcome === 'failed') {
    add(started + scale(dice.between(300, 1500)), 'failed', { detail: 'cannot_route' });
  } else {
    add(ringing, 'ringing');
    if (outcome === 'answered' || outcome === 'machine') {
      answerAtMs = ringing + scale(Math.min(dice.between(2000, 8000), ringLimitMs));
      answered(call, outcome, answerAtMs, options, dice, add);
    } else {
      const waited = { busy: dice.between(1000, 3000), unanswered: dice.between(15_000, 30_000), timeout: ringLimitMs };
      const detail = outcome === 'unanswered' ? { detail: 'unavailable' } : undefined;
      add(ringing + scale(waited[outcome]), outcome, detail);
    }
  }
  const last = steps.at(-1) as { atMs: number; status: string };
  if (outcome !== 'rejected' && last.status !== 'completed') {
    add(last.atMs + scale(dice.between(100, 400)), 'completed', completedFields(call, 0, options.numericStyle, dice));
  }
  const events = steps.map((step) => toEvent(call, step));
  return { outcome, answerAtMs, events: disturb(events, options, dice) };
}

function answered(
  call: PlannedCall,
  outcome: 'answered' | 'machine',
  answerAtMs: number,
  options: PlanOptions,
  dice: Dice,
  add: (atMs: number, status: string, extra?: Record<string, unknown>) => void,
): void {
  const scale = (ms: number) => Math.round(ms * options.timeScale);
  add(answerAtMs, 'answered', { start_time: iso(call.createdAt + answerAtMs), rate: RATE, network: null });
  let talkSeconds = Math.min(dice.between(5, 60), call.lengthTimer ?? 7200);
  if (outcome === 'machine' && call.machineDetection) {
    add(answerAtMs + scale(dice.between(2000, 4000)), 'machine');
    if (call.machineDetection === 'hangup') talkSeconds = 4;
  }
  const endMs = answerAtMs + scale(talkSeconds * 1000);
  add(endMs, 'completed', completedFields(call, talkSeconds, options.numericStyle, dice, answerAtMs, endMs));
}

export function completedFields(
  call: PlannedCall,
  seconds: number,
  style: Style,
  dice: Dice,
  answerAtMs?: number,
  endMs?: number,
): Record<string, unknown> {
  const price = ((seconds / 60) * Number(RATE)).toFixed(8);
  const write = (text: string) => (style === 'string' || (style === 'mixed' && dice.chance(0.5)) ? text : Number(text));
  return {
    ...(answerAtMs !== undefined ? { start_time: iso(call.createdAt + answerAtMs) } : {}),
    ...(endMs !== undefined ? { end_time: iso(call.createdAt + endMs) } : {}),
    duration: write(String(seconds)),
    rate: write(RATE),
    price: write(price),
    network: '20404',
  };
}

function toEvent(
  call: PlannedCall,
  step: { atMs: number; status: string; extra?: Record<string, unknown> },
): PlannedEvent {
  // Machine-detection events name the leg `call_uuid`, not `uuid` (docs/gateway-facts.md §3).
  const id = step.status === 'machine' || step.status === 'human' ? { call_uuid: call.uuid } : { uuid: call.uuid };
  const payload = {
    ...id,
    conversation_uuid: call.conversationUuid,
    status: step.status,
    direction: 'outbound',
    from: call.from,
    to: call.to,
    timestamp: iso(call.createdAt + step.atMs),
    ...step.extra,
  };
  return { atMs: step.atMs, deliverMs: step.atMs, status: step.status, payload };
}

/** Swaps two neighbouring deliveries and/or repeats some, as the real webhook delivery may. */
function disturb(events: PlannedEvent[], options: PlanOptions, dice: Dice): PlannedEvent[] {
  const result = events.map((event) => ({ ...event }));
  if (result.length >= 2 && dice.chance(options.outOfOrderShare)) {
    const index = dice.between(0, result.length - 2);
    const first = result[index] as PlannedEvent;
    const second = result[index + 1] as PlannedEvent;
    [first.deliverMs, second.deliverMs] = [second.deliverMs + 1, first.deliverMs];
  }
  for (const event of [...result]) {
    if (dice.chance(options.duplicateShare)) {
      result.push({ ...event, deliverMs: event.deliverMs + dice.between(5, 50), duplicate: true });
    }
  }
  return result.sort((a, b) => a.deliverMs - b.deliverMs);
}

/** The gateway's view of a call's status `elapsedMs` after creation (latest event that has happened). */
export function statusAt(plan: CallPlan, elapsedMs: number): string {
  let status = 'started';
  let latest = -1;
  for (const event of plan.events) {
    if (event.duplicate || event.status === 'machine') continue;
    if (event.atMs <= elapsedMs && event.atMs >= latest) {
      latest = event.atMs;
      status = event.status;
    }
  }
  return status;
}

export function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
