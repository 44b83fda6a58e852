import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ownedRecording } from '../reports/call-recordings.ts';
import { AppError, notFound } from '../shared/errors.ts';
import type { ApiDeps } from './deps.ts';

const params = z.object({ attemptId: z.string() });

/**
 * GET /v1/calls/:attemptId/recording: the call's audio, streamed through callcast with its own
 * gateway credential (the client never sees the gateway URL or a token). 404 for another key's
 * call or no recording, 404/410 when the gateway no longer has the file.
 */
export async function recordingRoutes(v1: FastifyInstance, deps: ApiDeps): Promise<void> {
  v1.get('/calls/:attemptId/recording', async (request, reply) => {
    const { attemptId } = params.parse(request.params);
    if (!z.guid().safeParse(attemptId).success) throw notFound('Recording of call', attemptId);
    const recording = await ownedRecording(deps.db, request.apiKeyId, attemptId);
    if (!deps.recordings) {
      throw new AppError('service_unavailable', 503, 'Recordings cannot be fetched: no gateway credentials configured');
    }
    const download = await deps.recordings.open(recording.url);
    if (download.kind === 'missing') {
      throw new AppError('not_found', 404, `The recording of call ${attemptId} is no longer at the gateway`, {
        details: { attemptId },
      });
    }
    if (download.kind === 'expired') {
      throw new AppError('gone', 410, `The recording of call ${attemptId} has expired at the gateway`, {
        details: { attemptId },
      });
    }
    reply.header('content-type', download.contentType);
    if (download.contentLength) reply.header('content-length', download.contentLength);
    reply.header('cache-control', 'private, no-store');
    return reply.send(download.body);
  });
}
