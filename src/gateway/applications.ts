import { AppError } from '../shared/errors.ts';
import type { GatewayConnection } from './create-gateway-client.ts';

/** What a user registers: the Vonage application's name and webhook URLs. */
export interface ApplicationInput {
  name: string;
  answerUrl: string;
  eventUrl: string;
  answerMethod?: 'GET' | 'POST';
  eventMethod?: 'GET' | 'POST';
}

export interface ApplicationInfo {
  id: string;
  name: string;
  answerUrl: string | undefined;
  eventUrl: string | undefined;
}

export interface ApplicationsApi {
  create(input: ApplicationInput): Promise<ApplicationInfo>;
  list(pageSize?: number, pageIndex?: number): Promise<{ count: number; applications: ApplicationInfo[] }>;
  show(id: string): Promise<ApplicationInfo>;
  update(id: string, input: ApplicationInput): Promise<ApplicationInfo>;
  remove(id: string): Promise<void>;
}

/** KPN's application fields (form body on create, query parameters on update, per its definition). */
export function applicationForm(input: ApplicationInput): Record<string, string> {
  return {
    name: input.name,
    type: 'voice',
    answer_url: input.answerUrl,
    answer_method: input.answerMethod ?? 'GET',
    event_url: input.eventUrl,
    event_method: input.eventMethod ?? 'POST',
  };
}

/** KPN's `/applications` resource group; Vonage directly manages applications elsewhere (v2, API key auth). */
export function createApplicationsApi(connection: GatewayConnection): ApplicationsApi {
  if (connection.provider !== 'kpn') {
    throw new AppError(
      'config_invalid',
      500,
      'application commands go through KPN’s gateway: set GATEWAY_PROVIDER=kpn',
    );
  }
  const { transport } = connection;
  const path = (id: string) => `/applications/${encodeURIComponent(id)}`;
  return {
    async create(input) {
      const reply = await transport.send({
        method: 'POST',
        path: '/applications',
        operation: 'create application',
        form: applicationForm(input),
      });
      return toInfo(reply.body);
    },
    async list(pageSize = 100, pageIndex = 0) {
      const query = { page_size: String(pageSize), page_index: String(pageIndex) };
      const reply = await transport.send({
        method: 'GET',
        path: '/applications',
        operation: 'list applications',
        query,
      });
      const body = (reply.body ?? {}) as { count?: unknown; _embedded?: { applications?: unknown[] } };
      const applications = (body._embedded?.applications ?? []).map(toInfo);
      return { count: typeof body.count === 'number' ? body.count : applications.length, applications };
    },
    async show(id) {
      return toInfo((await transport.send({ method: 'GET', path: path(id), operation: 'show application' })).body);
    },
    async update(id, input) {
      const query = applicationForm(input);
      return toInfo(
        (await transport.send({ method: 'PUT', path: path(id), operation: 'update application', query })).body,
      );
    },
    async remove(id) {
      await transport.send({ method: 'DELETE', path: path(id), operation: 'delete application' });
    },
  };
}

function toInfo(body: unknown): ApplicationInfo {
  const record = (body ?? {}) as { id?: unknown; name?: unknown; voice?: { webhooks?: unknown[] } };
  const hooks = (record.voice?.webhooks ?? []) as Array<{ endpoint_type?: unknown; endpoint?: unknown }>;
  const hook = (type: string) => {
    const endpoint = hooks.find((item) => item.endpoint_type === type)?.endpoint;
    return typeof endpoint === 'string' ? endpoint : undefined;
  };
  return {
    id: typeof record.id === 'string' ? record.id : '',
    name: typeof record.name === 'string' ? record.name : '',
    answerUrl: hook('answer_url'),
    eventUrl: hook('event_url'),
  };
}
