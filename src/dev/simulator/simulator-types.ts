import type { SimulatorOptions } from './options.ts';
import type { LoggedCallback, LoggedRequest } from './request-log.ts';

/** A running simulator, as its callers and its own control routes see it. */
export interface Simulator {
  /** Base URL, e.g. http://127.0.0.1:4010: use it as GATEWAY_URL. */
  readonly url: string;
  /** `${url}/oauth/client_credential/accesstoken?grant_type=client_credentials`: GATEWAY_TOKEN_URL. */
  readonly tokenUrl: string;
  readonly port: number;
  /** Every API and token request received (control requests excluded), oldest first. */
  requests(): LoggedRequest[];
  /** Every callback made: event posts and answer_url fetches. */
  callbacks(): LoggedCallback[];
  options(): SimulatorOptions;
  /** Changes options at once; counters such as `burst429` restart from the given value. */
  configure(patch: Partial<SimulatorOptions>): void;
  /** Stores a recording of about `seconds` of audio, as a `record` action would; returns its URL. */
  addRecording(seconds: number): { uuid: string; url: string };
  /** Recording downloads served (GET /v1/files/{uuid} answered 200). */
  recordingDownloads(): number;
  /** Invalidates every issued access token, as a key rotation would (the next call gets 401). */
  revokeTokens(): void;
  /** Back to the start options; clears logs, calls, tokens, rate window and quota. */
  reset(): void;
  close(): Promise<void>;
}
