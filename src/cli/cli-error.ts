/**
 * Exit codes of the producer commands (campaign, reminder, suppress), for scripts:
 * - 0 ok: the API did what was asked (rows it rejected one by one are reported, not failures);
 * - 1 the API refused the request (validation, not found, invalid state, a 5xx);
 * - 2 usage: bad or missing arguments, missing CALLCAST_API_KEY, invalid configuration;
 * - 3 cannot reach the API at CALLCAST_API_URL, or it refused the key (401).
 */
export const EXIT = { ok: 0, api: 1, usage: 2, unreachable: 3 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure the CLI reports and exits on; `code` and `details` are the API's when it answered. */
export class CliError extends Error {
  readonly exitCode: ExitCode;
  readonly code: string;
  readonly details: unknown;
  readonly httpStatus: number | undefined;

  constructor(
    exitCode: ExitCode,
    code: string,
    message: string,
    options: { details?: unknown; httpStatus?: number } = {},
  ) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
    this.code = code;
    this.details = options.details;
    this.httpStatus = options.httpStatus;
  }
}

/** The error as printed on stderr: code and message, then one line per offending field. */
export function describeError(err: CliError): string {
  const status = err.httpStatus === undefined ? '' : ` (HTTP ${err.httpStatus})`;
  const lines = [`error: ${err.code}${status}: ${err.message}`];
  for (const line of detailLines(err.details)) lines.push(`  ${line}`);
  return lines.join('\n');
}

function detailLines(details: unknown): string[] {
  if (Array.isArray(details)) {
    return details.map((item) => {
      if (item && typeof item === 'object' && 'field' in item) {
        const { field, code, message } = item as { field: unknown; code?: unknown; message?: unknown };
        return `field ${String(field)}: ${String(message ?? '')}${code ? ` [${String(code)}]` : ''}`;
      }
      return typeof item === 'string' ? item : JSON.stringify(item);
    });
  }
  if (details && typeof details === 'object') return [JSON.stringify(details)];
  return [];
}
