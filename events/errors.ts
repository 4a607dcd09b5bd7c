/**
 * The errors of the event catalogue, and the base of faultline's named errors: the catalogue stands
 * on its own, and `shared/errors.ts` builds the rest on these.
 */

export class FaultlineError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A problem found in a piece of input, named by its path (`actions.kill-one.duration`). */
export interface Problem {
  path: string;
  message: string;
}

export const formatProblems = (problems: readonly Problem[]): string =>
  problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('; ');

/** An event that does not match its contract (or matches none). Changes nothing. */
export class MalformedEventError extends FaultlineError {
  constructor(
    readonly detailType: string,
    readonly problems: readonly Problem[],
    options?: { cause?: unknown },
  ) {
    super(`malformed ${detailType || 'event'}: ${formatProblems(problems)}`, options);
  }
}
