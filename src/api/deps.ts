import type { Redis } from 'ioredis';
import type { CsvIntake } from '../campaigns/campaign-service.ts';
import type { Config } from '../config/config.ts';
import type { Db } from '../db/connect.ts';
import type { RecordingFetcher } from '../gateway/recording-download.ts';
import type { CallQueue } from '../queue/queue.ts';
import type { Logger } from '../shared/logger.ts';
import type { EventBuffer } from '../webhooks/event-buffer.ts';

/** What the HTTP layer needs. Routes stay thin: parse, call one domain function, render. */
export interface ApiDeps {
  config: Config;
  logger: Logger;
  db: Db;
  redis: Redis;
  /** The call queue, for removing waiting jobs on pause and cancel. */
  queue: CallQueue;
  /** Where received gateway events go beyond their own row. */
  eventIntake: EventIntake;
  /** CSV uploads' own pool, concurrency bound and timeouts; without it they share `db`, unbounded. */
  csvIntake?: CsvIntake;
  /** Downloads recordings through the gateway; absent without gateway credentials (then 503). */
  recordings?: RecordingFetcher;
}

export interface EventIntake {
  /** Holds events while Postgres is unreachable. */
  buffer: EventBuffer;
  /** An event for a known attempt was stored: apply it soon. */
  stored(): void;
}
