import { Agent, request } from 'undici';
import { checkTargetShape, guardedLookup } from './target-check.ts';

export interface TryResult {
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
}

/**
 * One HTTP try of a delivery. The connection goes through `guardedLookup`, so the address it
 * connects to is the one checked against the SSRF rules (no DNS rebinding between check and
 * connect); the whole try, connect to last byte, is bounded by `timeoutMs` (10 s).
 */
export function createSender(options: { allowPrivateTargets: boolean; timeoutMs: number }) {
  const agent = new Agent({
    connect: { timeout: Math.min(5_000, options.timeoutMs), lookup: guardedLookup(options.allowPrivateTargets) },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    // Receivers are many and mostly idle: keep sockets briefly, never pipeline.
    keepAliveTimeout: 4_000,
    connections: 16,
  });
  return {
    async send(url: string, headers: Record<string, string>, body: string): Promise<TryResult> {
      const started = Date.now();
      try {
        checkTargetShape(url, options.allowPrivateTargets);
        const response = await request(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'callcast-webhooks/1', ...headers },
          body,
          dispatcher: agent,
          signal: AbortSignal.timeout(options.timeoutMs),
        });
        // Read (and bound) the answer so the socket is reusable; its content is not kept.
        await response.body.dump({ limit: 64 * 1024 });
        return { statusCode: response.statusCode, latencyMs: Date.now() - started, error: null };
      } catch (thrown) {
        const err = thrown as { message?: string; code?: string; cause?: { code?: string; message?: string } };
        const reason = err.cause?.message ?? err.message ?? String(thrown);
        return { statusCode: null, latencyMs: Date.now() - started, error: reason.slice(0, 500) };
      }
    },
    close: () => agent.close(),
  };
}

export type Sender = ReturnType<typeof createSender>;
