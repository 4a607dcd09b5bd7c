import middy from '@middy/core';
import { parseEnvelope } from '../../events/contract';
import { FaultlineError, ForgedEventError, MalformedEventError } from '../errors';
import type { BusEntry, BusEvent } from '../ports';
import type { PhaseDependencies } from '../phases/dependencies';
import type { PhaseDefinition, Route } from '../phases/route';

export type { PhaseDefinition, Route } from '../phases/route';
import { createLogger, type Logger } from './logger';

/** Another attempt is processing the same event; this delivery is to be retried. */
export class EventInProgressError extends FaultlineError {
  constructor(detailType: string, eventId: string) {
    super(`${detailType} ${eventId} is being processed by another attempt; retry later`);
  }
}

export type DependencySource = PhaseDependencies | (() => PhaseDependencies);

/** What became of one delivered event; the embedded runtime and tests read it. */
export type HandlerOutcome = { outcome: 'processed'; published: number } | { outcome: 'duplicate' } | { outcome: 'republished'; published: number };

const executionIdOf = (event: unknown): string | undefined => {
  const detail = (event as { detail?: { executionId?: unknown } } | undefined)?.detail;
  return typeof detail?.executionId === 'string' ? detail.executionId : undefined;
};

/**
 * Builds a phase function: validate at the edge, claim the event (each event takes effect at
 * most once), run the domain function, record its outputs, publish them. A malformed or forged
 * event is journaled on its execution when it names one that exists, logged, and rethrown so that
 * it is dead-lettered: it changes nothing and is not lost.
 */
export const createPhaseHandler = (definition: PhaseDefinition, source: DependencySource, logger: Logger = createLogger(definition.name)) => {
  const routes = new Map(definition.routes.map((r) => [`${r.contract.source}|${r.contract.detailType}`, r]));
  let resolved: PhaseDependencies | undefined;
  const dependencies = () => (resolved ??= typeof source === 'function' ? source() : source);

  const handle = async (raw: unknown, context?: { getRemainingTimeInMillis?: () => number }): Promise<HandlerOutcome> => {
    const deps = dependencies();
    let event: BusEvent;
    let route: Route | undefined;
    try {
      const envelope = parseEnvelope(raw);
      route = routes.get(`${envelope.source}|${envelope['detail-type']}`);
      if (!route) {
        throw new MalformedEventError(envelope['detail-type'], [
          { path: 'detail-type', message: `${definition.name} does not handle ${envelope.source} "${envelope['detail-type']}"` },
        ]);
      }
      if (envelope.account !== deps.settings.account) {
        throw new ForgedEventError(envelope['detail-type'], `account ${envelope.account} is not this stack's account`);
      }
      event = route.contract.parse(raw) as BusEvent;
    } catch (error) {
      await reportBadInput(deps, definition.name, raw, error as Error, logger);
      throw error;
    }

    const { store } = deps;
    // The claim lasts as long as this invocation can (a live attempt is never taken over), and no
    // longer, so that Lambda's retry of an attempt that died finds it expired.
    const lockMs =
      typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() + 10_000 : deps.settings.eventLockMs;
    const claimId = route.meaning ? `${event['detail-type']}#${route.meaning(event)}` : event.id;
    const claim = await store.claimEvent(definition.name, claimId, lockMs, deps.settings.eventRetentionMs);
    if (claim.kind === 'duplicate') {
      const executionId = executionIdOf(event);
      if (executionId && (await store.getExecution(executionId))) {
        await store.journal(executionId, { phase: definition.name, action: event['detail-type'], outcome: 'duplicate', detail: { eventId: event.id } });
      }
      logger.info('duplicate event ignored', { eventId: event.id, detailType: event['detail-type'] });
      return { outcome: 'duplicate' };
    }
    if (claim.kind === 'in-progress') {
      // Failing makes the bus (or Lambda) deliver it again later; acknowledging would lose it.
      throw new EventInProgressError(event['detail-type'], event.id);
    }
    if (claim.kind === 'unpublished') {
      await deps.publisher.publish(claim.outputs);
      await store.markPublished(definition.name, claimId);
      return { outcome: 'republished', published: claim.outputs.length };
    }

    let outputs: BusEntry[];
    try {
      outputs = await route.run(event, deps);
    } catch (error) {
      await store.releaseEvent(definition.name, claimId);
      logger.error('phase failed', { eventId: event.id, detailType: event['detail-type'], executionId: executionIdOf(event), error: (error as Error).message, name: (error as Error).name });
      throw error;
    }
    await store.completeEvent(definition.name, claimId, outputs);
    if (outputs.length) await deps.publisher.publish(outputs);
    await store.markPublished(definition.name, claimId);
    logger.info('event processed', { eventId: event.id, detailType: event['detail-type'], executionId: executionIdOf(event), published: outputs.map((o) => o.detailType) });
    return { outcome: 'processed', published: outputs.length };
  };

  return middy(handle);
};

const reportBadInput = async (deps: PhaseDependencies, consumer: string, raw: unknown, error: Error, logger: Logger) => {
  const problems = error instanceof MalformedEventError ? error.problems : undefined;
  logger.error('event refused', { error: error.message, name: error.name, ...(problems ? { problems } : {}) });
  const executionId = executionIdOf(raw);
  if (!executionId) return;
  try {
    if (await deps.store.getExecution(executionId)) {
      await deps.store.journal(executionId, { phase: consumer, action: 'refused event', outcome: 'rejected', error: `${error.name}: ${error.message}` });
    }
  } catch {
    // The refusal is logged and rethrown; a journal failure must not hide it.
  }
};
