import type middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { parseEnvelope } from '../../events/contract';
import { FaultlineError, ForgedEventError, MalformedEventError } from '../errors';
import type { BusEntry, BusEvent } from '../ports';
import type { PhaseDependencies } from '../phases/dependencies';
import type { PhaseDefinition, Route } from '../phases/route';
import type { Logger } from './logger';

/** Another attempt is processing the same event; this delivery is to be retried. */
class EventInProgressError extends FaultlineError {
  constructor(detailType: string, eventId: string) {
    super(`${detailType} ${eventId} is being processed by another attempt; retry later`);
  }
}

/** What became of one delivered event; the embedded runtime and tests read it. */
export type HandlerOutcome =
  | { outcome: 'processed'; published: number }
  | { outcome: 'duplicate' }
  | { outcome: 'republished'; published: number };

/** The Lambda context, as far as a phase reads it. */
type PhaseContext = { getRemainingTimeInMillis?: () => number } | undefined;

/** What the middlewares of one delivery share (middy's `request.internal`, fresh for each request). */
export type PhaseState = {
  /** Set once the event is claimed for this attempt: whoever fails before its outputs are recorded gives it back. */
  claimId?: string;
  /** Set once the domain function has returned: its outputs are being recorded and published. */
  ran?: boolean;
};

/**
 * One delivery on its way through the middlewares: the raw event until the edge has parsed it,
 * the domain function's outputs after it ran, the outcome at the end.
 */
type PhaseRequest = middy.Request<unknown, PhaseResult, Error, Context, PhaseState>;
type PhaseMiddleware = middy.MiddlewareObj<unknown, PhaseResult, Error, Context, PhaseState>;
/** The domain function's outputs, until publishOutputs (or an early return) makes them the outcome. */
export type PhaseResult = BusEntry[] | HandlerOutcome;

/** What every middleware of one phase function works with. */
export interface PhaseSetup {
  definition: PhaseDefinition;
  dependencies: () => PhaseDependencies;
  routeOf: (event: { source: string; 'detail-type': string }) => Route | undefined;
  logger: Logger;
}

const executionIdOf = (event: unknown): string | undefined => {
  const detail = (event as { detail?: { executionId?: unknown } } | undefined)?.detail;
  return typeof detail?.executionId === 'string' ? detail.executionId : undefined;
};

const stateOf = (request: PhaseRequest): PhaseState => request.internal;

/**
 * Validation at the edge: the envelope parses, a route takes it, it comes from this stack's
 * account, and its detail satisfies the route's contract. `request.event` becomes the parsed event.
 * A malformed or forged event is journaled on its execution when it names one that exists, logged,
 * and rethrown so that it is dead-lettered: it changes nothing and is not lost.
 */
export const validateAtEdge = ({ definition, dependencies, routeOf, logger }: PhaseSetup): PhaseMiddleware => ({
  before: async (request) => {
    const deps = dependencies();
    const raw = request.event;
    try {
      const envelope = parseEnvelope(raw);
      const route = routeOf(envelope);
      if (!route) {
        throw new MalformedEventError(envelope['detail-type'], [
          {
            path: 'detail-type',
            message: `${definition.name} does not handle ${envelope.source} "${envelope['detail-type']}"`,
          },
        ]);
      }
      if (envelope.account !== deps.settings.account) {
        throw new ForgedEventError(envelope['detail-type'], `account ${envelope.account} is not this stack's account`);
      }
      request.event = route.contract.parse(raw) as BusEvent;
    } catch (error) {
      await reportBadInput(deps, definition.name, raw, error as Error, logger);
      throw error;
    }
  },
});

/**
 * Each event takes effect at most once: the event is claimed (on its route's meaning, else its id)
 * before the domain function runs. A duplicate ends the delivery early; one another attempt is
 * processing fails it, so that it is delivered again later; one whose outputs were recorded but
 * not published has them published now.
 */
export const claimOnce = ({ definition, dependencies, routeOf, logger }: PhaseSetup): PhaseMiddleware => ({
  before: async (request) => {
    const deps = dependencies();
    const { store } = deps;
    const event = request.event as BusEvent;
    const route = routeOf(event)!;
    // The claim lasts as long as this invocation can (a live attempt is never taken over), and no
    // longer, so that Lambda's retry of an attempt that died finds it expired.
    const context = request.context as PhaseContext;
    const lockMs =
      typeof context?.getRemainingTimeInMillis === 'function'
        ? context.getRemainingTimeInMillis() + 10_000
        : deps.settings.eventLockMs;
    const claimId = route.meaning ? `${event['detail-type']}#${route.meaning(event)}` : event.id;
    const claim = await store.claimEvent(definition.name, claimId, lockMs, deps.settings.eventRetentionMs);
    if (claim.kind === 'duplicate') {
      const executionId = executionIdOf(event);
      if (executionId && (await store.getExecution(executionId))) {
        await store.journal(executionId, {
          phase: definition.name,
          action: event['detail-type'],
          outcome: 'duplicate',
          detail: { eventId: event.id },
        });
      }
      logger.info('duplicate event ignored', { eventId: event.id, detailType: event['detail-type'] });
      return { outcome: 'duplicate' } satisfies HandlerOutcome;
    }
    if (claim.kind === 'in-progress') {
      // Failing makes the bus (or Lambda) deliver it again later; acknowledging would lose it.
      throw new EventInProgressError(event['detail-type'], event.id);
    }
    if (claim.kind === 'unpublished') {
      await publishRecorded(deps, definition.name, claimId, claim.outputs);
      return { outcome: 'republished', published: claim.outputs.length } satisfies HandlerOutcome;
    }
    stateOf(request).claimId = claimId;
    return undefined;
  },
});

/**
 * The domain function's outputs are recorded on the claim before they are published, so that a
 * retry after a failed publish publishes them again instead of running the phase twice.
 */
export const publishOutputs = ({ definition, dependencies, logger }: PhaseSetup): PhaseMiddleware => ({
  after: async (request) => {
    const state = stateOf(request);
    state.ran = true;
    const deps = dependencies();
    const event = request.event as BusEvent;
    const outputs = request.response as BusEntry[];
    await deps.store.completeEvent(definition.name, state.claimId!, outputs);
    await publishRecorded(deps, definition.name, state.claimId!, outputs);
    logger.info('event processed', {
      eventId: event.id,
      detailType: event['detail-type'],
      executionId: executionIdOf(event),
      published: outputs.map((o) => o.detailType),
    });
    request.response = { outcome: 'processed', published: outputs.length } satisfies HandlerOutcome;
  },
});

/**
 * A domain function that failed gives its claim back (its retry runs it again) and is logged; the
 * error goes on to the runtime. Refused events, claims held elsewhere and failures after the
 * outputs were recorded keep the claim as it is; so does middy's early timeout, since the domain
 * function may still be running.
 */
export const reportFailure = ({ definition, dependencies, logger }: PhaseSetup): PhaseMiddleware => ({
  onError: async (request) => {
    const state = stateOf(request);
    const error = request.error as Error;
    const middyTimeout = (error?.cause as { package?: string } | undefined)?.package === '@middy/core';
    if (state.claimId === undefined || state.ran || middyTimeout) return;
    const event = request.event as BusEvent;
    await dependencies().store.releaseEvent(definition.name, state.claimId);
    logger.error('phase failed', {
      eventId: event.id,
      detailType: event['detail-type'],
      executionId: executionIdOf(event),
      error: error.message,
      name: error.name,
    });
  },
});

/** Publishes outputs recorded on a claim, then marks them published. */
const publishRecorded = async (deps: PhaseDependencies, consumer: string, claimId: string, outputs: BusEntry[]) => {
  if (outputs.length) await deps.publisher.publish(outputs);
  await deps.store.markPublished(consumer, claimId);
};

const reportBadInput = async (
  deps: PhaseDependencies,
  consumer: string,
  raw: unknown,
  error: Error,
  logger: Logger,
) => {
  const problems = error instanceof MalformedEventError ? error.problems : undefined;
  logger.error('event refused', { error: error.message, name: error.name, ...(problems ? { problems } : {}) });
  const executionId = executionIdOf(raw);
  if (!executionId) return;
  try {
    if (await deps.store.getExecution(executionId)) {
      await deps.store.journal(executionId, {
        phase: consumer,
        action: 'refused event',
        outcome: 'rejected',
        error: `${error.name}: ${error.message}`,
      });
    }
  } catch {
    // The refusal is logged and rethrown; a journal failure must not hide it.
  }
};
