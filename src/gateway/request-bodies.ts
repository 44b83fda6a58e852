import { nccoSchema } from '../shared/ncco.ts';
import { toGatewayDigits } from '../shared/phone-number.ts';
import { type CreateCallRequest, GatewayError } from './types.ts';

/** The create-call body both providers share (docs/gateway-facts.md §1); numbers as digits only. */
function commonBody(request: CreateCallRequest): Record<string, unknown> {
  return {
    to: [{ type: 'phone', number: toGatewayDigits(request.to) }],
    from: { type: 'phone', number: toGatewayDigits(request.from) },
    event_url: [request.eventUrl],
    event_method: 'POST',
    ...(request.machineDetection ? { machine_detection: request.machineDetection } : {}),
    ...(request.ringingTimer !== undefined ? { ringing_timer: request.ringingTimer } : {}),
    ...(request.lengthTimer !== undefined ? { length_timer: request.lengthTimer } : {}),
  };
}

/**
 * KPN's gateway requires `answer_url` and defines no `ncco` (kpn-voice-nexmo.openapi.yml), so the
 * NCCO is always served from our answer webhook, even when the request carries one.
 */
export function kpnCreateCallBody(request: CreateCallRequest): Record<string, unknown> {
  return { ...commonBody(request), answer_url: [request.answerUrl], answer_method: 'GET' };
}

/**
 * Vonage directly: an inline `ncco` when given (validated first, so a bad NCCO never costs a
 * call request), else `answer_url`. Never both: the spec's oneOf rejects that.
 */
export function vonageCreateCallBody(request: CreateCallRequest): Record<string, unknown> {
  if (request.ncco === undefined) {
    return { ...commonBody(request), answer_url: [request.answerUrl], answer_method: 'GET' };
  }
  const parsed = nccoSchema.safeParse(request.ncco);
  if (!parsed.success) {
    const invalidParameters = parsed.error.issues.map((issue) => ({
      name: ['ncco', ...issue.path].join('.'),
      reason: issue.message,
    }));
    throw new GatewayError('permanent', 'create call: the NCCO is invalid; nothing was sent', {
      problem: { title: 'Invalid NCCO', detail: 'The NCCO failed validation', invalidParameters },
    });
  }
  return { ...commonBody(request), ncco: parsed.data };
}
