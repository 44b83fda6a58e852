import type { z } from 'zod';
import { AppError } from '../errors.ts';

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

/** Parses or throws a 400 `validation_failed` naming every offending field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, where = 'body'): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = zodProblems(result.error);
  const fields = [...new Set(problems.map((problem) => problem.field))].join(', ');
  throw new AppError('validation_failed', 400, `Invalid ${where}: ${fields}`, { details: problems });
}
