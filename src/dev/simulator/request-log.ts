/** One request the simulator received. */
export interface LoggedRequest {
  /** Arrival at the gateway's rate counter, epoch ms: after the profile's one-way time. */
  at: number;
  /** When the request reached the simulator's socket (≈ when it left the client on loopback). */
  receivedAt?: number;
  method: string;
  path: string;
  /** Status answered; 0 when the connection was dropped without an answer. */
  status: number;
  /** Called number (digits) of a create-call request. */
  to?: string;
  /** The `attempt` query parameter of the create-call's event_url (callcast's attempt id). */
  attempt?: string;
  /** Call uuid assigned by a 201, or the uuid addressed by a per-call request. */
  uuid?: string;
  body?: unknown;
}

/** One callback the simulator made: an event POST or an answer_url GET. */
export interface LoggedCallback {
  at: number;
  /** `input`: an input action's result posted; `record`: a record event posted. */
  kind: 'event' | 'answer' | 'input' | 'record';
  uuid: string;
  attempt?: string;
  url: string;
  /** Event status sent, for kind 'event'. */
  eventStatus?: string;
  /** HTTP status received; 0 on a network error or timeout. */
  status: number;
  /** The NCCO returned by answer_url (parsed JSON), or the inline NCCO of a direct call. */
  ncco?: unknown;
  /** Whether that NCCO passes our NCCO schema. */
  nccoValid?: boolean;
  error?: string;
  signed?: boolean;
  /** For kind 'input': ms until the reply NCCO arrived. */
  latencyMs?: number;
}

/** An append-only log bounded to `max` entries (oldest dropped). */
export class BoundedLog<T> {
  private entries: T[] = [];

  private readonly max: () => number;

  constructor(max: () => number) {
    this.max = max;
  }

  push(entry: T): T {
    this.entries.push(entry);
    const overflow = this.entries.length - this.max();
    if (overflow > 0) this.entries.splice(0, overflow);
    return entry;
  }

  all(): T[] {
    return [...this.entries];
  }

  clear(): void {
    this.entries = [];
  }
}
