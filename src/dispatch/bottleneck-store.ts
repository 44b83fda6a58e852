import Bottleneck from 'bottleneck';
import type { Redis } from 'ioredis';

/**
 * Bottleneck's Redis store recovers from lost settings (SETTINGS_KEY_NOT_FOUND) and from an
 * unknown client (UNKNOWN_CLIENT) by comparing the error text exactly; Redis 7 prefixes script
 * errors with `ERR `, so recovery never fires and every call fails (bottleneck #205, #212,
 * #219). We strip the prefix on our own connection's script callbacks, which restores the
 * library's recovery without patching it globally.
 */
const RECOVERABLE = /^ERR (SETTINGS_KEY_NOT_FOUND|UNKNOWN_CLIENT)$/;

export function isRecoverableStoreError(err: unknown): boolean {
  const message = err instanceof Error ? err.message : String(err);
  return /SETTINGS_KEY_NOT_FOUND|UNKNOWN_CLIENT/.test(message);
}

type ScriptCallback = (err: Error | null, replies: unknown) => void;
interface ScriptArgsHost {
  __scriptArgs__(name: string, id: string, args: unknown[], cb: ScriptCallback): unknown[];
}

/** A Bottleneck ioredis connection on our client, with the Redis-7 error texts normalized. */
export function createBottleneckConnection(client: Redis): Bottleneck.IORedisConnection {
  const connection = new Bottleneck.IORedisConnection({ client });
  const host = connection as unknown as ScriptArgsHost;
  const original = host.__scriptArgs__.bind(connection);
  host.__scriptArgs__ = (name, id, args, cb) =>
    original(name, id, args, (err, replies) => {
      if (err && RECOVERABLE.test(err.message)) err.message = err.message.slice('ERR '.length);
      cb(err, replies);
    });
  return connection;
}
