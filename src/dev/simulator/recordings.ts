import { randomBytes, randomUUID } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import { type Exchange, problem, send } from './exchange.ts';

/** KPN's `GET /jwt` token lifetime in the simulator: like Vonage's default JWT, 15 minutes. */
const DOWNLOAD_JWT_LIFETIME_S = 900;

export interface SimRecording {
  uuid: string;
  createdAt: number;
  audio: Buffer;
}

/**
 * Recordings of simulated calls and the two routes that serve them: KPN's `GET /jwt` (a JWT for
 * downloading recordings, for the OAuth-authenticated caller with an ApplicationId header) and
 * `GET /v1/files/{uuid}` (the recording URL), which needs that JWT or a Vonage application JWT.
 * A recording older than `recordingTtlMs` answers 410, an unknown one 404.
 */
export class RecordingStore {
  private readonly recordings = new Map<string, SimRecording>();
  private readonly secret = randomBytes(32);
  /** Downloads served, for tests. */
  downloads = 0;

  add(seconds: number): SimRecording {
    const recording = { uuid: randomUUID(), createdAt: Date.now(), audio: toneWav(seconds) };
    this.recordings.set(recording.uuid, recording);
    return recording;
  }

  get(uuid: string): SimRecording | undefined {
    return this.recordings.get(uuid);
  }

  clear(): void {
    this.recordings.clear();
  }

  /** GET /jwt (KPN): the caller already passed the OAuth gate. */
  async issueJwt(exchange: Exchange): Promise<void> {
    const applicationId = exchange.req.headers.applicationid;
    if (typeof applicationId !== 'string' || applicationId === '') {
      send(exchange, 400, problem('bad-request', 'Bad Request', 'ApplicationId header is required'));
      return;
    }
    const token = await new SignJWT({ application_id: applicationId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuedAt()
      .setJti(randomUUID())
      .setExpirationTime(`${DOWNLOAD_JWT_LIFETIME_S}s`)
      .sign(this.secret);
    send(exchange, 200, { app_level: 'application', application_Id: applicationId, JWT_token: token });
  }

  /** GET /v1/files/{uuid}: the audio, behind a JWT check. */
  async serve(exchange: Exchange, uuid: string, ttlMs: number): Promise<void> {
    if (!(await this.authorized(exchange.req.headers.authorization))) {
      send(exchange, 401, problem('unauthorized', 'Unauthorized', 'A valid JWT is required to download recordings'));
      return;
    }
    const recording = this.recordings.get(uuid);
    if (!recording) {
      send(exchange, 404, problem('not-found', 'Not Found', `No recording ${uuid}`));
      return;
    }
    if (Date.now() - recording.createdAt > ttlMs) {
      send(exchange, 410, problem('not-found', 'Gone', `Recording ${uuid} has expired`));
      return;
    }
    this.downloads += 1;
    exchange.res.writeHead(200, {
      ...exchange.headers,
      'content-type': 'audio/wav',
      'content-length': String(recording.audio.length),
    });
    exchange.res.end(recording.audio);
  }

  private async authorized(authorization: string | undefined): Promise<boolean> {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (!token) return false;
    try {
      if (decodeProtectedHeader(token).alg === 'RS256') {
        // Vonage direct: an application JWT (shape checked, signature not: the simulator has no public key).
        const claims = decodeJwt(token);
        return (
          typeof claims.application_id === 'string' && (claims.exp === undefined || claims.exp * 1000 > Date.now())
        );
      }
      await jwtVerify(token, this.secret, { algorithms: ['HS256'] });
      return true;
    } catch {
      return false;
    }
  }
}

/** A short 440 Hz tone as 8 kHz 16-bit mono PCM WAV: a real, playable file of a few KB. */
function toneWav(seconds: number): Buffer {
  const rate = 8000;
  const samples = Math.max(1, Math.round(rate * Math.min(Math.max(seconds, 0.1), 5)));
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++)
    data.writeInt16LE(Math.round(Math.sin((2 * Math.PI * 440 * i) / rate) * 8000), i * 2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}
