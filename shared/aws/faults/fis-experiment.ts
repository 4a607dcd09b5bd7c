import {
  GetExperimentCommand,
  ListExperimentsCommand,
  StartExperimentCommand,
  StopExperimentCommand,
  type Experiment,
  type FisClient,
} from '@aws-sdk/client-fis';
import { createHash } from 'node:crypto';
import type { FaultRecord } from '../../domain/execution';
import { InjectionError, RevertError } from '../../errors';
import type { FaultProvider, InjectOutcome, InjectRequest } from '../../ports';
import { isAwsError } from '../aws-error';
import { pollUntil, resolvePoll, type PollOptions, type ResolvedPollOptions } from '../../poll';
import { AWS_RESOURCE_TYPES } from '../target-resolver';
import { parseParameters } from './fault-support';

interface FisExperimentOptions {
  fis: FisClient;
  /** Checks of the experiment state; defaults to 20 checks, 3 s apart. */
  poll?: PollOptions;
  /**
   * The stack's opt-in tag, put on the experiments faultline starts too: IAM conditions on that tag
   * then cover stopping and reading them, not only their templates.
   */
  targetTag?: { key: string; value: string };
}

/** Tags faultline puts on the experiments it starts, to find them again without their id. */
const FIS_TAGS = { executionId: 'faultline:execution-id', action: 'faultline:action' } as const;

/** The experiment's actions are under way (or already done: a short experiment may be over at once). */
const TOOK_EFFECT = new Set(['initiating', 'running', 'completed']);
/** The experiment runs no action any more (`gone`: FIS does not know it, or no longer). */
const ENDED = new Set(['completed', 'stopped', 'failed', 'cancelled', 'gone']);

interface ExperimentStatus {
  status: string;
  reason?: string;
}

const statusOf = (experiment: Experiment | undefined): ExperimentStatus => ({
  status: experiment?.state?.status ?? 'unknown',
  ...(experiment?.state?.reason ? { reason: experiment.state.reason } : {}),
});

/**
 * Idempotency token of an action's experiment: the same execution and action always get the same
 * experiment, even when the event that starts it is delivered twice or the action has several targets.
 */
export const fisClientToken = (executionId: string, action: string): string => {
  const token = `${executionId}-${action}`;
  return token.length <= 64
    ? token
    : `${token.slice(0, 47)}-${createHash('sha256').update(token).digest('hex').slice(0, 16)}`;
};

/**
 * fis-experiment: runs a whole AWS FIS experiment template. Its own stop conditions and duration
 * apply; faultline stops it on revert (FIS then runs the template's own rollback).
 */
export class FisExperimentProvider implements FaultProvider {
  readonly provider = 'aws' as const;
  readonly faultTypes = ['fis-experiment'] as const;
  private readonly poll: ResolvedPollOptions;

  constructor(private readonly options: FisExperimentOptions) {
    this.poll = resolvePoll(options.poll, { attempts: 20, intervalMs: 3000 });
  }

  async inject(request: InjectRequest): Promise<InjectOutcome> {
    const { experimentTemplateId } = parseParameters('fis-experiment', request.parameters);
    const { target } = request;
    if (target.resourceType === AWS_RESOURCE_TYPES.fisTemplate && target.id !== experimentTemplateId) {
      throw new InjectionError(
        `fis-experiment: parameter experimentTemplateId ${experimentTemplateId} is not the target ${target.key}`,
      );
    }
    let experiment: Experiment | undefined;
    try {
      experiment = (
        await this.options.fis.send(
          new StartExperimentCommand({
            clientToken: fisClientToken(request.executionId, request.action),
            experimentTemplateId,
            tags: {
              ...(this.options.targetTag ? { [this.options.targetTag.key]: this.options.targetTag.value } : {}),
              [FIS_TAGS.executionId]: request.executionId,
              [FIS_TAGS.action]: request.action,
            },
          }),
        )
      ).experiment;
    } catch (error) {
      throw new InjectionError(`fis-experiment: StartExperiment of template ${experimentTemplateId} refused`, {
        cause: error,
      });
    }
    const experimentId = experiment?.id;
    if (!experimentId)
      throw new InjectionError(`fis-experiment: StartExperiment of ${experimentTemplateId} returned no experiment`);

    let state = statusOf(experiment);
    if (!TOOK_EFFECT.has(state.status)) {
      try {
        const checked = await pollUntil(
          this.poll,
          () => this.state(experimentId),
          (s) => TOOK_EFFECT.has(s.status) || ENDED.has(s.status) || s.status === 'stopping',
        );
        state = checked.value;
      } catch (error) {
        throw new InjectionError(`fis-experiment: state of ${experimentId} unreadable`, { cause: error });
      }
    }
    if (!TOOK_EFFECT.has(state.status)) {
      throw new InjectionError(
        `fis-experiment: experiment ${experimentId} is ${state.status}${state.reason ? ` (${state.reason})` : ''}, expected initiating or running`,
      );
    }
    return { handle: { experimentId, experimentTemplateId } };
  }

  async revert(fault: FaultRecord): Promise<void> {
    try {
      const experimentId = fault.handle?.experimentId ?? (await this.findExperiment(fault.executionId, fault.action));
      // Never started: nothing to stop.
      if (!experimentId) return;
      if (ENDED.has((await this.state(experimentId)).status)) return;
      try {
        await this.options.fis.send(new StopExperimentCommand({ id: experimentId }));
      } catch (error) {
        if (isAwsError(error, 'ResourceNotFoundException')) return;
        // It may have ended between the two calls; only a running experiment is a failure.
        if (!ENDED.has((await this.state(experimentId)).status)) throw error;
        return;
      }
      const { value, done } = await pollUntil(
        this.poll,
        () => this.state(experimentId),
        (s) => ENDED.has(s.status),
      );
      if (!done)
        throw new RevertError(`fis-experiment: experiment ${experimentId} still ${value.status} after StopExperiment`);
    } catch (error) {
      if (error instanceof RevertError) throw error;
      throw new RevertError(`fis-experiment: could not stop the experiment of ${fault.executionId}/${fault.action}`, {
        cause: error,
      });
    }
  }

  private async state(experimentId: string): Promise<ExperimentStatus> {
    try {
      return statusOf((await this.options.fis.send(new GetExperimentCommand({ id: experimentId }))).experiment);
    } catch (error) {
      if (isAwsError(error, 'ResourceNotFoundException')) return { status: 'gone' };
      throw error;
    }
  }

  /** The experiment this action started, found by its tags (an inject that died before recording it). */
  private async findExperiment(executionId: string, action: string): Promise<string | undefined> {
    let nextToken: string | undefined;
    do {
      const page = await this.options.fis.send(
        new ListExperimentsCommand({ maxResults: 100, ...(nextToken ? { nextToken } : {}) }),
      );
      const found = (page.experiments ?? []).find(
        (e) => e.tags?.[FIS_TAGS.executionId] === executionId && e.tags?.[FIS_TAGS.action] === action,
      );
      if (found?.id) return found.id;
      nextToken = page.nextToken;
    } while (nextToken);
    return undefined;
  }
}
