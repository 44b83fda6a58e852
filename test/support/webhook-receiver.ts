import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One delivery the receiver accepted after verifying it with the `standardwebhooks` package. */
export interface VerifiedDelivery {
  id: string;
  type: string;
  payload: { id: string; type: string; timestamp: string; data: Record<string, unknown> };
  receivedAt: number;
}

/** How the receiver answers the n-th try (1-based) of one webhook-id. */
export type Behaviour = (tryNo: number, id: string) => { status: number; delayMs?: number };

/**
 * A customer's webhook receiver on loopback: verifies every request with `standardwebhooks`
 * (401 when that fails), answers per `behaviour`, and can go down and come back on its port.
 */
export interface Receiver {
  url: string;
  verified: VerifiedDelivery[];
  /** Requests that failed verification. */
  rejected: number;
  setSecrets(secrets: string[]): void;
  setBehaviour(behaviour: Behaviour): void;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  let secrets: string[] = [];
  let behaviour: Behaviour = () => ({ status: 200 });
  const tries = new Map<string, number>();
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const receiver: Receiver = {
    url: '',
    verified: [],
    rejected: 0,
    setSecrets(list) {
      secrets = list;
    },
    setBehaviour(next) {
      behaviour = next;
    },
    async down() {
      const closing = server;
      server = undefined;
      if (!closing) return;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => closing.close(() => resolve()));
    },
    async up() {
      server = createServer((req, res) => void handle(req, res));
      server.on('connection', (socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      await new Promise<void>((resolve) => server?.listen(port, '127.0.0.1', () => resolve()));
      port = (server.address() as AddressInfo).port;
      receiver.url = `http://127.0.0.1:${port}/hooks`;
    },
    close: () => receiver.down(),
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
    const verifiedBy = secrets.find((secret) => {
      try {
        new Webhook(secret).verify(body, headers);
        return true;
      } catch {
        return false;
      }
    });
    if (!verifiedBy) {
      receiver.rejected += 1;
      res.writeHead(401).end();
      return;
    }
    const id = headers['webhook-id'] as string;
    const tryNo = (tries.get(id) ?? 0) + 1;
    tries.set(id, tryNo);
    const answer = behaviour(tryNo, id);
    let abandoned = false;
    res.on('close', () => {
      if (!res.writableEnded) abandoned = true;
    });
    if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
    // A sender that timed out has hung up: that try was not delivered.
    if (abandoned) return;
    if (answer.status >= 200 && answer.status < 300) {
      const payload = JSON.parse(body) as VerifiedDelivery['payload'];
      receiver.verified.push({ id, type: payload.type, payload, receivedAt: Date.now() });
    }
    if (!res.destroyed) res.writeHead(answer.status).end();
  }

  await receiver.up();
  return receiver;
}
