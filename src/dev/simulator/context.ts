import type { Agent } from 'undici';
import type { CallRunner } from './call-runner.ts';
import type { QuotaCounter, RollingWindow, SpikeArrest } from './limits.ts';
import type { SimulatorOptions } from './options.ts';
import type { Dice } from './random.ts';
import type { RecordingStore } from './recordings.ts';
import type { BoundedLog, LoggedCallback, LoggedRequest } from './request-log.ts';
import type { TokenStore } from './token-store.ts';

export interface SimApplication {
  id: string;
  name: string;
  type: string;
  answerUrl: string;
  answerMethod: string;
  eventUrl: string;
  eventMethod: string;
}

/** Everything the simulator's routes share. Options are read through `options()` so `configure()` applies at once. */
export interface SimContext {
  options(): SimulatorOptions;
  /** Counters consumed by requests (`burst429`, `unauthorizedCount`) are decremented here. */
  consume(knob: 'burst429' | 'unauthorizedCount'): boolean;
  dice: Dice;
  window: RollingWindow;
  /** The smoothing counter, used instead of `window` when `counter` is `smoothing`. */
  spike: SpikeArrest;
  quota: QuotaCounter;
  tokens: TokenStore;
  runner: CallRunner;
  applications: Map<string, SimApplication>;
  requests: BoundedLog<LoggedRequest>;
  callbacks: BoundedLog<LoggedCallback>;
  agent: Agent;
  /** Recordings of `record` actions, served at /v1/files/{uuid}. */
  recordings: RecordingStore;
  /** The simulator's base URL. */
  baseUrl(): string;
}
