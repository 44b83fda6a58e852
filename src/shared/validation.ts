import type { z } from 'zod';
import { AppError } from './errors.ts';

export interface FieldProblem {
  field: string;
  code: string;
  message: string;
}

export function zodProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.map((issue) => ({
    field: issue.path.map(String).join('.') || '(body)',
    code: issue.code,
    message: issue.message,
  }));
}

// Real request bodies nest a handful of levels (campaign → ncco → action → endpoint → headers).
// Far deeper JSON parses fine but later overflows JSON.stringify's stack when it is stored: a 500.
const MAX_NESTING = 32;

/** Text Postgres cannot store (NUL, or a lone UTF-16 surrogate in jsonb) would otherwise be a 500. */
function unstorable(text: string): boolean {
  return text.includes('\u0000') || !text.isWellFormed();
}

/** Why `value` cannot be stored as given, or undefined; iterative, so it cannot overflow itself. */
function shapeProblem(value: unknown): string | undefined {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (typeof node === 'string' && unstorable(node)) return 'text with a NUL character or a lone surrogate';
    if (node === null || typeof node !== 'object') continue;
    if (depth >= MAX_NESTING) return `nested deeper than ${MAX_NESTING} levels`;
    for (const [key, child] of Object.entries(node)) {
      if (unstorable(key)) return 'a key with a NUL character or a lone surrogate';
      stack.push([child, depth + 1]);
    }
  }
  return undefined;
}

/** Parses or throws a 400 `validation_failed` naming every offending field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, where = 'body'): z.output<S> {
  const problem = shapeProblem(value);
  if (problem) {
    throw new AppError('validation_failed', 400, `Invalid ${where}: ${problem}`, {
      details: [{ field: `(${where})`, code: 'unstorable', message: problem }],
    });
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = zodProblems(result.error);
  const fields = [...new Set(problems.map((problem) => problem.field))].join(', ');
  throw new AppError('validation_failed', 400, `Invalid ${where}: ${fields}`, { details: problems });
}
