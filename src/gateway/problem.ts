import type { GatewayProblem } from './types.ts';

const MAX_TEXT = 500;

/**
 * The gateway's reason for a refusal, from any of the body shapes in use (docs/gateway-facts.md §2):
 * Vonage's `{type: 400, title, invalid_parameters}`, legacy `error_title`, RFC 7807
 * `{type, title, detail}`, KPN's 401 `{type, error_title}`, Apigee's `{fault: {faultstring, detail}}`,
 * the token endpoint's `{ErrorCode, Error}`, or plain text.
 */
export function parseProblem(body: unknown): GatewayProblem {
  if (typeof body === 'string') return body.trim() ? { detail: clip(body.trim()) } : {};
  if (!body || typeof body !== 'object' || Array.isArray(body)) return {};
  const record = body as Record<string, unknown>;
  const fault = asRecord(record.fault);
  const faultDetail = asRecord(fault?.detail);
  const title = text(record.title) ?? text(record.error_title) ?? text(record.Error) ?? text(fault?.faultstring);
  const detail =
    text(record.detail) ??
    text(record.error_description) ??
    text(faultDetail?.errorcode) ??
    text(record.ErrorCode) ??
    (typeof record.type === 'string' && !title ? text(record.type) : undefined);
  const invalidParameters = parameters(record.invalid_parameters);
  return {
    ...(title ? { title } : {}),
    ...(detail ? { detail } : {}),
    ...(invalidParameters.length > 0 ? { invalidParameters } : {}),
  };
}

function parameters(value: unknown): Array<{ name: string; reason: string }> {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item) => {
    const record = asRecord(item);
    const name = text(record?.name);
    return name ? [{ name, reason: text(record?.reason) ?? '' }] : [];
  });
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' && value.trim() ? clip(value.trim()) : undefined;
}

function clip(value: string): string {
  return value.length > MAX_TEXT ? `${value.slice(0, MAX_TEXT)}…` : value;
}
