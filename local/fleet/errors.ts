import { FaultlineError } from '../../shared/errors';

/** The demo fleet could not start, or a member could not be reached or acted on. */
export class FleetError extends FaultlineError {}

/** A child's control endpoint refused a request (the status and the child's message are kept). */
export class ControlRequestError extends FleetError {
  constructor(
    readonly member: string,
    readonly status: number | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${member}: ${message}`, options);
  }
}
