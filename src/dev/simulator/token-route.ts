import type { SimContext } from './context.ts';
import { type Exchange, send } from './exchange.ts';

export const TOKEN_PATH = '/oauth/client_credential/accesstoken';

/**
 * Apigee's client-credentials endpoint (docs/gateway-facts.md §7): form-encoded credentials (or HTTP Basic),
 * and a JSON answer whose values are all strings, `issued_at` in epoch ms.
 */
export function handleToken(ctx: SimContext, exchange: Exchange): void {
  const options = ctx.options();
  if (options.tokenEndpointDown) {
    send(exchange, 503, {
      fault: {
        faultstring: 'The Service is temporarily unavailable',
        detail: { errorcode: 'messaging.adaptors.http.flow.ServiceUnavailable' },
      },
    });
    return;
  }
  if (exchange.method !== 'POST') {
    send(exchange, 405, { ErrorCode: 'invalid_request', Error: 'Only POST is supported' });
    return;
  }
  const { clientId, clientSecret } = credentials(exchange);
  const form = (exchange.body && typeof exchange.body === 'object' ? exchange.body : {}) as { grant_type?: unknown };
  if ((exchange.query.get('grant_type') ?? form.grant_type) !== 'client_credentials') {
    send(exchange, 400, { ErrorCode: 'invalid_request', Error: 'Unsupported grant type : null' });
    return;
  }
  if (clientId !== options.clientId || clientSecret !== options.clientSecret) {
    send(exchange, 401, { ErrorCode: 'invalid_client', Error: 'ClientId is Invalid' });
    return;
  }
  const now = Date.now();
  const { token } = ctx.tokens.issue(options.tokenLifetimeSeconds, now);
  send(exchange, 200, {
    refresh_token_expires_in: '0',
    api_product_list: '[Voice-Vonage]',
    api_product_list_json: ['Voice-Vonage'],
    organization_name: 'kpn',
    'developer.email': 'developer@example.com',
    token_type: 'BearerToken',
    issued_at: String(now),
    client_id: clientId,
    access_token: token,
    application_name: 'callcast-simulator',
    scope: '',
    expires_in: String(Math.round(options.tokenLifetimeSeconds)),
    refresh_count: '0',
    status: 'approved',
  });
}

function credentials(exchange: Exchange): { clientId?: string; clientSecret?: string } {
  const basic = /^Basic\s+(\S+)$/i.exec(exchange.req.headers.authorization ?? '');
  if (basic) {
    const [clientId, clientSecret] = Buffer.from(basic[1] as string, 'base64')
      .toString('utf8')
      .split(':', 2);
    return { clientId, clientSecret };
  }
  const body = (exchange.body && typeof exchange.body === 'object' ? exchange.body : {}) as Record<string, unknown>;
  return {
    clientId: typeof body.client_id === 'string' ? body.client_id : undefined,
    clientSecret: typeof body.client_secret === 'string' ? body.client_secret : undefined,
  };
}
