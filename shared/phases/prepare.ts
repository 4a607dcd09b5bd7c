import { randomUUID } from 'node:crypto';
import { ExperimentRejected, ExperimentStarted, type EventOf } from '../../events';
import type { ExperimentRequested } from '../../events';
import type { Execution, ResolvedTarget } from '../domain/execution';
import { actionDurationMs, parseTemplate, recoveryTimeoutMs, windowMs, type Template } from '../domain/template';
import { FaultlineError, InvalidTemplateError, type Problem } from '../errors';
import type { BusEntry } from '../ports';
import type { PhaseDependencies } from './dependencies';
import { completedEntry } from './result';
import { selectTargets } from './select-targets';

const PHASE = 'prepare';
/** Leases outlive the longest fault and the recovery window, so a crashed run frees its targets. */
const LEASE_MARGIN_MS = 5 * 60_000;

/**
 * ExperimentRequested → preflight → ExperimentStarted, or ExperimentRejected. Preflight: the
 * template is valid, the environment allowed, no halt, no stop-condition alarm already in ALARM
 * (or unknown), targets resolved within the blast-radius caps and leased, baseline captured.
 */
export const prepare = async (event: EventOf<typeof ExperimentRequested>, deps: PhaseDependencies): Promise<BusEntry[]> => {
  const { store, clock, settings } = deps;
  const request = event.detail;
  const now = clock.now().toISOString();

  const raw = request.template ?? (await store.getTemplate(request.experimentId, request.templateVersion));
  let template: Template | undefined;
  let templateProblems: Problem[] = [];
  if (raw === undefined) {
    templateProblems = [{ path: '', message: `no stored template ${request.experimentId}${request.templateVersion ? ` version ${request.templateVersion}` : ''}` }];
  } else {
    try {
      template = parseTemplate(raw);
      if (template.id !== request.experimentId) {
        templateProblems = [{ path: 'id', message: `template id ${template.id} does not match experimentId ${request.experimentId}` }];
      }
    } catch (error) {
      if (!(error instanceof InvalidTemplateError)) throw error;
      templateProblems = [...error.problems];
    }
  }

  const execution: Execution = {
    executionId: request.executionId,
    experimentId: request.experimentId,
    templateVersion: template?.version ?? request.templateVersion ?? versionOf(raw),
    ...(template && templateProblems.length === 0 ? { template } : {}),
    status: 'REQUESTED',
    version: 1,
    environment: request.environment ?? settings.environment,
    dryRun: request.dryRun,
    trigger: request.trigger,
    requestedAt: request.requestedAt,
    updatedAt: now,
    safety: { violated: false },
  };
  if (!(await store.createExecution(execution))) {
    await store.journal(execution.executionId, { phase: PHASE, action: 'ExperimentRequested', outcome: 'duplicate', detail: { eventId: event.id } });
    return [];
  }
  await store.journal(execution.executionId, { phase: PHASE, action: 'ExperimentRequested', outcome: 'ok', detail: { trigger: request.trigger, dryRun: request.dryRun } });
  const preparing = await store.transition(execution.executionId, { from: ['REQUESTED'], to: 'PREPARING' });
  if (!preparing) return [];

  const reasons: string[] = templateProblems.map((p) => `template ${p.path ? `${p.path}: ` : ''}${p.message}`);
  const leased: ResolvedTarget[] = [];
  const targets: ResolvedTarget[] = [];
  let baseline: Execution['baseline'];

  const stopAlarms = template?.stopConditions.map((s) => s.alarm) ?? [];
  if (template && reasons.length === 0) {
    // Watch the alarms before reading their state: CloudWatch only announces changes, so one that
    // fires between the check and the watch would otherwise never be seen.
    await store.watchAlarms(execution.executionId, stopAlarms);
    reasons.push(...(await preflight(template, execution, deps, targets)));
    if (template && reasons.length === 0) {
      const leaseUntil = new Date(
        clock.now().getTime() +
          Math.max(...Object.values(template.actions).map(actionDurationMs)) +
          recoveryTimeoutMs(template) +
          settings.injectWithinMs +
          LEASE_MARGIN_MS,
      );
      for (const target of targets) {
        if (await store.acquireLease(target.key, execution.executionId, leaseUntil)) leased.push(target);
        else reasons.push(`target ${target.id} is in another running experiment (${(await store.leaseHolder(target.key)) ?? 'unknown'})`);
      }
    }
    if (reasons.length === 0 && template) {
      const end = clock.now();
      const from = new Date(end.getTime() - Math.min(windowMs(template), 60_000));
      baseline = await deps.metrics.measure(template, { from, to: end }).catch(() => undefined);
    }
  }

  const release = async () => {
    for (const t of leased) await store.releaseLease(t.key, execution.executionId);
    await store.unwatchAlarms(execution.executionId, stopAlarms);
  };

  if (reasons.length > 0) {
    await release();
    const rejected = await store.transition(execution.executionId, {
      from: ['PREPARING'],
      to: 'REJECTED',
      set: { verdict: 'INCONCLUSIVE', reasons, completedAt: clock.now().toISOString(), targets },
    });
    await store.journal(execution.executionId, { phase: PHASE, action: 'preflight', outcome: 'rejected', detail: { reasons } });
    if (!rejected) return [];
    return [
      ExperimentRejected.entry({
        executionId: execution.executionId,
        experimentId: execution.experimentId,
        reasons,
        ...(templateProblems.length ? { problems: templateProblems } : {}),
      }),
      completedEntry(rejected, []),
    ];
  }

  if (request.dryRun) {
    await release();
    const done = await store.transition(execution.executionId, {
      from: ['PREPARING'],
      to: 'COMPLETED',
      set: {
        verdict: 'INCONCLUSIVE',
        reasons: ['dry run: targets resolved and preflight passed; nothing was injected'],
        targets,
        ...(baseline ? { baseline } : {}),
        completedAt: clock.now().toISOString(),
      },
    });
    await store.journal(execution.executionId, { phase: PHASE, action: 'dry-run', outcome: 'ok', detail: { targets: targets.map((t) => t.id) } });
    return done ? [completedEntry(done, [])] : [];
  }

  const started = await store.transition(execution.executionId, {
    from: ['PREPARING'],
    to: 'INJECTING',
    set: { targets, ...(baseline ? { baseline } : {}) },
  });
  if (!started) {
    // Stopped while preparing (an abort or halt won the race): give the targets back.
    await release();
    return [];
  }
  await store.journal(execution.executionId, { phase: PHASE, action: 'preflight', outcome: 'ok', detail: { targets: targets.map((t) => t.key) } });
  return [
    ExperimentStarted.entry({
      executionId: execution.executionId,
      experimentId: execution.experimentId,
      targets,
      ...(baseline ? { baseline } : {}),
      injectBy: new Date(clock.now().getTime() + settings.injectWithinMs).toISOString(),
    }),
  ];
};

/** The checks that may refuse an execution. Fills `targets` with the selection. */
const preflight = async (
  template: Template,
  execution: Execution,
  deps: PhaseDependencies,
  targets: ResolvedTarget[],
): Promise<string[]> => {
  const reasons: string[] = [];
  if (!template.safety.environments.includes(execution.environment)) {
    reasons.push(`environment ${execution.environment} is not allowed by the template (allowed: ${template.safety.environments.join(', ')})`);
  }
  if (execution.environment !== deps.settings.environment) {
    reasons.push(`requested for environment ${execution.environment}, but this stack serves ${deps.settings.environment}`);
  }
  const halt = await deps.store.haltState();
  if (halt) reasons.push(`experiments are halted: ${halt.reason} (by ${halt.by} at ${halt.at})`);
  if (reasons.length) return reasons;

  for (const [name, a] of Object.entries(template.actions)) {
    const provider = template.targets[a.target]!.provider;
    try {
      deps.faults.forFault(provider, a.fault as never);
    } catch (error) {
      reasons.push(`action ${name}: ${(error as Error).message}`);
    }
  }

  const alarms = template.stopConditions.map((s) => s.alarm);
  if (alarms.length) {
    try {
      const state = await deps.alarms.inAlarm(alarms);
      for (const a of state.inAlarm) reasons.push(`stop-condition alarm ${a} is already in ALARM`);
      for (const a of state.missing) reasons.push(`stop-condition alarm ${a} does not exist`);
    } catch (error) {
      reasons.push(`stop-condition alarms could not be read: ${(error as Error).message}`);
    }
  }

  const used = new Set(Object.values(template.actions).map((a) => a.target));
  for (const name of used) {
    const spec = template.targets[name]!;
    const resolver = deps.targets[spec.provider];
    if (!resolver) {
      reasons.push(`target ${name}: no ${spec.provider} target resolver in this runtime`);
      continue;
    }
    try {
      const selection = selectTargets(name, spec, await resolver.candidates(name, spec), template.safety);
      if (selection.ok) targets.push(...selection.targets);
      else reasons.push(selection.reason);
    } catch (error) {
      reasons.push(`target ${name}: could not be resolved: ${error instanceof FaultlineError ? error.message : String(error)}`);
    }
  }
  return reasons;
};

/** A new execution id. */
export const newExecutionId = (): string => randomUUID();

const versionOf = (raw: unknown): number => {
  const v = (raw as { version?: unknown } | undefined)?.version;
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : 0;
};
