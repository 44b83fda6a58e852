import { completedFields, type PlannedEvent, planCall, statusAt } from './call-plan.ts';
import type { RunnerContext, SimCall } from './call-types.ts';
import { deliverAnswer, deliverEvent } from './callbacks.ts';
import { playNcco } from './ncco-player.ts';
import type { SimulatedOutcome } from './options.ts';

export type { RunnerContext, SimCall } from './call-types.ts';

/** Statuses after which a call is over (no hangup possible). */
const ENDED = new Set(['completed', 'rejected', 'busy', 'unanswered', 'timeout', 'failed', 'cancelled']);

/** Plays calls out: schedules each call's event callbacks and the answer_url fetch. */
export class CallRunner {
  private readonly calls = new Map<string, SimCall>();
  private readonly timers = new Map<string, Set<NodeJS.Timeout>>();

  private readonly ctx: RunnerContext;

  constructor(ctx: RunnerContext) {
    this.ctx = ctx;
  }

  start(call: Omit<SimCall, 'plan'>, outcome: SimulatedOutcome): SimCall {
    const plan = planCall(call, outcome, this.ctx.options(), this.ctx.dice);
    const simCall: SimCall = { ...call, plan };
    this.calls.set(call.uuid, simCall);
    for (const event of plan.events) {
      // Events after the answer (the end of the call) wait until its NCCO has been played.
      const afterAnswer = plan.answerAtMs !== undefined && event.atMs > plan.answerAtMs;
      this.schedule(simCall, event.deliverMs, async () => {
        if (afterAnswer) await simCall.playback;
        await this.sendEvent(simCall, event);
      });
    }
    if (plan.answerAtMs !== undefined) this.schedule(simCall, plan.answerAtMs, () => this.answer(simCall));
    return simCall;
  }

  get(uuid: string): SimCall | undefined {
    return this.calls.get(uuid);
  }

  statusOf(call: SimCall, now = Date.now()): string {
    return statusAt(call.plan, now - call.createdAt);
  }

  /** Hangs up a live call: cancels what is still planned and sends the closing events now. */
  hangup(uuid: string, now = Date.now()): 'ok' | 'unknown' | 'ended' {
    const call = this.calls.get(uuid);
    if (!call) return 'unknown';
    const elapsed = now - call.createdAt;
    const status = this.statusOf(call, now);
    if (ENDED.has(status)) return 'ended';
    this.clearTimers(uuid);
    call.plan.events = call.plan.events.filter((event) => event.atMs <= elapsed);
    const options = this.ctx.options();
    const closing: PlannedEvent[] = [];
    const event = (statusName: string, extra: Record<string, unknown>): PlannedEvent => ({
      atMs: elapsed,
      deliverMs: elapsed,
      status: statusName,
      payload: { ...base(call, now), status: statusName, ...extra },
    });
    if (status === 'answered') {
      const answerAt = call.plan.answerAtMs ?? elapsed;
      const seconds = Math.max(0, Math.round((elapsed - answerAt) / 1000 / Math.max(options.timeScale, 0.001)));
      closing.push(
        event('completed', completedFields(call, seconds, options.numericStyle, this.ctx.dice, answerAt, elapsed)),
      );
    } else {
      closing.push(event('cancelled', {}));
      closing.push(event('completed', completedFields(call, 0, options.numericStyle, this.ctx.dice)));
    }
    call.plan.events.push(...closing);
    void (async () => {
      for (const planned of closing) await this.sendEvent(call, planned);
    })();
    return 'ok';
  }

  /** Cancels every pending callback and forgets all calls. */
  clear(): void {
    for (const uuid of this.timers.keys()) this.clearTimers(uuid);
    this.calls.clear();
  }

  get size(): number {
    return this.calls.size;
  }

  private schedule(call: SimCall, delayMs: number, run: () => Promise<void>): void {
    const set = this.timers.get(call.uuid) ?? new Set<NodeJS.Timeout>();
    this.timers.set(call.uuid, set);
    const timer = setTimeout(() => {
      set.delete(timer);
      if (set.size === 0) this.timers.delete(call.uuid);
      void run();
    }, delayMs);
    set.add(timer);
  }

  private clearTimers(uuid: string): void {
    for (const timer of this.timers.get(uuid) ?? []) clearTimeout(timer);
    this.timers.delete(uuid);
  }

  private sendEvent(call: SimCall, event: PlannedEvent): Promise<void> {
    return deliverEvent(this.ctx, call, event);
  }

  private answer(call: SimCall): Promise<void> {
    call.playback = deliverAnswer(this.ctx, call)
      .then((ncco) => (ncco === undefined ? undefined : playNcco(this.ctx, call, ncco)))
      .catch(() => undefined);
    return call.playback;
  }
}

function base(call: SimCall, now: number): Record<string, unknown> {
  return {
    uuid: call.uuid,
    conversation_uuid: call.conversationUuid,
    direction: 'outbound',
    from: call.from,
    to: call.to,
    timestamp: new Date(now).toISOString(),
  };
}
