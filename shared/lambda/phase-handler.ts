import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { BusEntry, BusEvent } from '../ports';
import type { PhaseDependencies } from '../phases/dependencies';
import type { PhaseDefinition } from '../phases/route';
import { createLogger, type Logger } from './logger';
import {
  claimOnce,
  publishOutputs,
  reportFailure,
  validateAtEdge,
  type HandlerOutcome,
  type PhaseResult,
  type PhaseSetup,
  type PhaseState,
} from './middlewares';

export type { PhaseDefinition } from '../phases/route';

type DependencySource = PhaseDependencies | (() => PhaseDependencies);

/**
 * Builds a phase function: the domain function of the event's route, under middlewares that
 * validate at the edge, claim the event (each event takes effect at most once), record and publish
 * its outputs, and give the claim back when it fails. See middlewares.ts.
 */
export const createPhaseHandler = (
  definition: PhaseDefinition,
  source: DependencySource,
  logger: Logger = createLogger(definition.name),
) => {
  const routes = new Map(definition.routes.map((r) => [`${r.contract.source}|${r.contract.detailType}`, r]));
  let resolved: PhaseDependencies | undefined;
  const setup: PhaseSetup = {
    definition,
    dependencies: () => (resolved ??= typeof source === 'function' ? source() : source),
    routeOf: (event) => routes.get(`${event.source}|${event['detail-type']}`),
    logger,
  };

  // By the time it runs, the edge has parsed the event and a route takes it.
  const run = async (event: unknown): Promise<BusEntry[]> =>
    setup.routeOf(event as BusEvent)!.run(event, setup.dependencies());

  const handler = middy<unknown, PhaseResult, Error, Context, PhaseState>(run)
    .use(validateAtEdge(setup))
    .use(claimOnce(setup))
    .use(reportFailure(setup))
    .use(publishOutputs(setup));
  // What the handler returns is the outcome that publishOutputs (or an early return of claimOnce) leaves.
  return handler as unknown as middy.MiddyfiedHandler<unknown, HandlerOutcome, Error, Context>;
};
