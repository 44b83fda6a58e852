import type { Agent } from 'undici';
import type { CallPlan, PlannedCall } from './call-plan.ts';
import type { SimulatorOptions } from './options.ts';
import type { Dice } from './random.ts';
import type { RecordingStore } from './recordings.ts';
import type { BoundedLog, LoggedCallback } from './request-log.ts';

/** A call the simulator is playing out. */
export interface SimCall extends PlannedCall {
  attempt?: string;
  eventUrl: string;
  eventMethod: 'GET' | 'POST';
  answerUrl?: string;
  answerMethod: 'GET' | 'POST';
  ncco?: unknown[];
  plan: CallPlan;
  /** The answered call's NCCO being played (inputs, recordings); its closing events wait for it. */
  playback?: Promise<void>;
}

export interface RunnerContext {
  options(): SimulatorOptions;
  dice: Dice;
  callbacks: BoundedLog<LoggedCallback>;
  agent: Agent;
  /** Recordings of `record` actions (ncco-player.ts). */
  recordings: RecordingStore;
  /** The simulator's own base URL, for recording URLs. */
  baseUrl(): string;
}
