import type * as z from 'zod';
import { formatProblems, type Problem } from './errors';

/** Wording that names what is wrong, for the issues where zod's own does not. */
const describe = (issue: z.core.$ZodIssue): string => {
  if (issue.code === 'unrecognized_keys')
    return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  if (issue.code === 'invalid_type' && issue.message.includes('received undefined')) return 'required';
  return issue.message;
};

/** Every issue of a failed validation as a Problem with its dotted path (under `prefix`). */
export const problemsFrom = (error: { issues: readonly z.core.$ZodIssue[] }, prefix = ''): Problem[] =>
  error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter(Boolean).join('.'),
    message: describe(issue),
  }));

/** The same, as one line for an error message. */
export const describeProblems = (error: { issues: readonly z.core.$ZodIssue[] }, prefix = ''): string =>
  formatProblems(problemsFrom(error, prefix));
