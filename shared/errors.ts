/** Named errors of faultline. Each keeps the `cause` it wraps, so nothing is lost on the way up. */
import { FaultlineError, formatProblems, type Problem } from '../events/errors';

export { FaultlineError, formatProblems, MalformedEventError, type Problem } from '../events/errors';

/** An experiment template that does not satisfy the model. Lists every problem, not just the first. */
export class InvalidTemplateError extends FaultlineError {
  constructor(
    readonly problems: readonly Problem[],
    options?: { cause?: unknown },
  ) {
    super(`invalid template: ${formatProblems(problems)}`, options);
  }
}

/** An event whose source or account is not the one this stack trusts. */
export class ForgedEventError extends FaultlineError {
  constructor(
    readonly detailType: string,
    readonly reason: string,
  ) {
    super(`refused ${detailType || 'event'}: ${reason}`);
  }
}

/** A fault type the running providers do not know. Unknown means stop. */
export class UnknownFaultTypeError extends FaultlineError {
  constructor(
    readonly faultType: string,
    readonly provider: string,
  ) {
    super(`no ${provider} fault provider for fault type "${faultType}"`);
  }
}

/** Injecting a fault failed; what was done is reverted by the revert phase. */
export class InjectionError extends FaultlineError {}

/** Reverting a fault failed: a fault may still be active, a human is needed. Never swallowed. */
export class RevertError extends FaultlineError {}

/** Configuration missing or wrong at cold start. */
export class ConfigurationError extends FaultlineError {}

/** The execution does not exist. */
export class ExecutionNotFoundError extends FaultlineError {
  constructor(readonly executionId: string) {
    super(`no execution ${executionId}`);
  }
}

/** A bounded wait ran out before what it waited for happened. */
export class WaitTimeoutError extends FaultlineError {}

/** A record kept changing under conditional writes; the work is retried later. */
export class ContentionError extends FaultlineError {}

/** An AWS API answered without what the call is for (an id, a state). */
export class UnexpectedResponseError extends FaultlineError {}

/** A function was called with what it does not take (not input from outside: a caller's mistake). */
export class InvalidArgumentError extends FaultlineError {}
