import { AppError } from '../shared/errors.ts';

/**
 * Bounds the CSV uploads one API process runs at once, in total and per API key. Each running
 * upload holds one Postgres connection (its transaction) for as long as the client keeps sending,
 * so without a bound ten slow uploads take every connection and the webhooks wait. A request over
 * either bound is refused at once with 429 `too_many_uploads` (details: which bound, its limit)
 * rather than queued: a queued upload would hold its socket and memory while it waits.
 */
export interface UploadGate {
  /** Takes a slot or throws `too_many_uploads`; call the returned function exactly once to free it. */
  enter(apiKeyId: string): () => void;
  /** Uploads running now (for metrics and tests). */
  running(): number;
}

export interface UploadLimits {
  /** Uploads at once in this process, all keys together. */
  total: number;
  /** Uploads at once for one API key, so one tenant never holds every slot. */
  perKey: number;
}

export function createUploadGate(limits: UploadLimits): UploadGate {
  const byKey = new Map<string, number>();
  let total = 0;
  return {
    enter(apiKeyId) {
      const mine = byKey.get(apiKeyId) ?? 0;
      if (mine >= limits.perKey) throw tooMany('api_key', limits.perKey);
      if (total >= limits.total) throw tooMany('total', limits.total);
      byKey.set(apiKeyId, mine + 1);
      total += 1;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        total -= 1;
        const left = (byKey.get(apiKeyId) ?? 1) - 1;
        if (left > 0) byKey.set(apiKeyId, left);
        else byKey.delete(apiKeyId);
      };
    },
    running: () => total,
  };
}

function tooMany(scope: 'api_key' | 'total', limit: number): AppError {
  const who = scope === 'api_key' ? 'this API key' : 'the service';
  return new AppError(
    'too_many_uploads',
    429,
    `Too many CSV uploads running for ${who} (at most ${limit}); retry later`,
    {
      details: { scope, limit },
    },
  );
}
