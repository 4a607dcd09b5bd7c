import { ExperimentRejected, ExperimentStarted, type EventOf } from '../../events';
import type { ExperimentRequested } from '../../events';
import { leaseKeys, isFinal, type Execution, type ResolvedTarget } from '../domain/execution';
import { actionDurationMs, parseTemplate, TEMPLATE_LIMITS, windowMs, type Template } from '../domain/template';
import { FaultlineError, InvalidTemplateError, type Problem } from '../errors';
import type { BusEntry } from '../ports';
import type {
  AlarmWatchRepository,
  ExecutionRepository,
  FaultRepository,
  HaltSwitchRepository,
  JournalRepository,
  LeaseRepository,
  TemplateRepository,
} from '../store/execution-store';
import type { PhaseDependencies } from './dependencies';
import { finish } from './finish';
import { capsProblem, selectTargets } from './select-targets';
import { executionIn } from './stale';

const PHASE = 'prepare';

/**
 * What prepare works with: the stored template, the execution and its journal, the halt switch,
 * the alarm watches and leases it takes, the faults `finish` reads for the result; and for the
 * preflight the providers, target resolvers, alarms, timers (their lateness) and the baseline's figures.
 */
export type PrepareDependencies = {
  store: TemplateRepository &
    ExecutionRepository &
    JournalRepository &
    HaltSwitchRepository &
    AlarmWatchRepository &
    LeaseRepository &
    FaultRepository;
} & Pick<PhaseDependencies, 'clock' | 'settings' | 'timer' | 'faults' | 'targets' | 'alarms' | 'metrics'>;

/** What the target selection reads: who holds each candidate's lease. */
type LeaseHolders = { store: Pick<LeaseRepository, 'leaseHolder'> };

/**
 * ExperimentRequested → preflight → ExperimentStarted, or ExperimentRejected. Preflight: the
 * template is valid, the environment allowed, no halt, no stop-condition alarm already in ALARM
 * (or unknown), targets resolved within the blast-radius caps and leased, baseline captured.
 */
export const prepare = async (
  event: EventOf<typeof ExperimentRequested>,
  deps: PrepareDependencies,
): Promise<BusEntry[]> => {
  const { store, clock, settings } = deps;
  const request = event.detail;
  const now = clock.now().toISOString();

  const raw = request.template ?? (await store.getTemplate(request.experimentId, request.templateVersion));
  let template: Template | undefined;
  let templateProblems: Problem[] = [];
  if (raw === undefined) {
    templateProblems = [
      {
        path: '',
        message: `no stored template ${request.experimentId}${request.templateVersion ? ` version ${request.templateVersion}` : ''}`,
      },
    ];
  } else {
    try {
      template = parseTemplate(raw);
      if (template.id !== request.experimentId) {
        templateProblems = [
          { path: 'id', message: `template id ${template.id} does not match experimentId ${request.experimentId}` },
        ];
      }
    } catch (error) {
      if (!(error instanceof InvalidTemplateError)) throw error;
      templateProblems = [...error.problems];
    }
  }

  const fresh: Execution = {
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
  let execution = fresh;
  if (await store.createExecution(fresh)) {
    await store.journal(fresh.executionId, {
      phase: PHASE,
      action: 'ExperimentRequested',
      outcome: 'ok',
      detail: { trigger: request.trigger, dryRun: request.dryRun },
    });
  } else {
    // The execution exists: a duplicate of a request that went on, or the retry of an attempt that
    // failed halfway (a throttled write, a crash), which resumes where it stopped.
    const existing = await executionIn(
      deps,
      fresh.executionId,
      ['REQUESTED', 'PREPARING'],
      PHASE,
      'ExperimentRequested',
      {
        outcome: 'duplicate',
        detail: { eventId: event.id },
      },
    );
    if (!existing) return [];
    await store.journal(fresh.executionId, {
      phase: PHASE,
      action: 'ExperimentRequested',
      outcome: 'ok',
      detail: { resumed: existing.status, eventId: event.id },
    });
    execution = existing;
  }
  if (execution.status === 'REQUESTED') {
    const preparing = await store.transition(execution.executionId, { from: ['REQUESTED'], to: 'PREPARING' });
    if (!preparing) return [];
    execution = preparing;
  }
  // What was stored decides, not what this delivery carries.
  template = execution.template;
  if (!template && templateProblems.length === 0)
    templateProblems = [{ path: '', message: 'the execution holds no template' }];

  const reasons: string[] = templateProblems.map((p) => `template ${p.path ? `${p.path}: ` : ''}${p.message}`);
  const requestAgeMs = clock.now().getTime() - Date.parse(request.requestedAt);
  if (!(requestAgeMs <= settings.requestWithinMs)) {
    reasons.push(
      `the request of ${request.requestedAt} is older than ${settings.requestWithinMs / 1000}s: nothing is started`,
    );
  }
  const targets: ResolvedTarget[] = [];
  let baseline: Execution['baseline'];

  const stopAlarms = template?.stopConditions.map((s) => s.alarm) ?? [];
  if (template && reasons.length === 0) {
    // Watch the alarms before reading their state: CloudWatch only announces changes, so one that
    // fires between the check and the watch would otherwise never be seen.
    await store.watchAlarms(execution.executionId, stopAlarms);
    reasons.push(...(await preflight(template, execution, deps, targets)));
    if (reasons.length === 0) {
      // The selection is recorded before any lease is taken, so that whoever ends the execution
      // gives back every lease it may hold.
      const recorded = await store.transition(execution.executionId, { from: ['PREPARING'], set: { targets } });
      if (!recorded) return giveBack(deps, execution.executionId, targets, stopAlarms);
      reasons.push(...(await leaseTargets(deps, execution.executionId, template, targets)));
    }
    if (reasons.length === 0) {
      const end = clock.now();
      const from = new Date(end.getTime() - Math.min(windowMs(template), 60_000));
      baseline = await deps.metrics.measure(template, { from, to: end }).catch(() => undefined);
    }
  }

  if (reasons.length > 0) {
    const rejected = await finish(deps, execution.executionId, ['PREPARING'], 'REJECTED', {
      verdict: 'INCONCLUSIVE',
      reasons,
      targets,
    });
    await store.journal(execution.executionId, {
      phase: PHASE,
      action: 'preflight',
      outcome: 'rejected',
      detail: { reasons },
    });
    if (!rejected) return giveBack(deps, execution.executionId, targets, stopAlarms);
    return [
      ExperimentRejected.entry({
        executionId: execution.executionId,
        experimentId: execution.experimentId,
        reasons: reasons.map((r) => r.slice(0, 1024)).slice(0, 20),
        ...(templateProblems.length ? { problems: templateProblems.slice(0, 20) } : {}),
      }),
      ...rejected.entries,
    ];
  }

  if (execution.dryRun) {
    const done = await finish(deps, execution.executionId, ['PREPARING'], 'COMPLETED', {
      verdict: 'INCONCLUSIVE',
      reasons: ['dry run: targets resolved and preflight passed; nothing was injected'],
      targets,
      ...(baseline ? { baseline } : {}),
    });
    await store.journal(execution.executionId, {
      phase: PHASE,
      action: 'dry-run',
      outcome: 'ok',
      detail: { targets: targets.map((t) => t.id) },
    });
    return done ? done.entries : giveBack(deps, execution.executionId, targets, stopAlarms);
  }

  const started = await store.transition(execution.executionId, {
    from: ['PREPARING'],
    to: 'INJECTING',
    set: { targets, ...(baseline ? { baseline } : {}) },
  });
  if (!started) return giveBack(deps, execution.executionId, targets, stopAlarms);
  await store.journal(execution.executionId, {
    phase: PHASE,
    action: 'preflight',
    outcome: 'ok',
    detail: { targets: targets.map((t) => t.key) },
  });
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

/**
 * A status change of this prepare lost: when the execution has ended meanwhile (an abort, a halt,
 * the sweeper), its leases and watches are given back; when another attempt moved it on, that
 * attempt owns them and nothing is touched.
 */
const giveBack = async (
  deps: {
    store: Pick<ExecutionRepository, 'getExecution'> &
      Pick<LeaseRepository, 'releaseLease'> &
      Pick<AlarmWatchRepository, 'unwatchAlarms'>;
  },
  executionId: string,
  targets: readonly ResolvedTarget[],
  alarms: readonly string[],
): Promise<BusEntry[]> => {
  const current = await deps.store.getExecution(executionId);
  if (current && isFinal(current.status) && current.status !== 'ROLLBACK_FAILED') {
    for (const key of targets.flatMap(leaseKeys)) await deps.store.releaseLease(key, executionId);
    await deps.store.unwatchAlarms(executionId, alarms);
  }
  return [];
};

/**
 * Leases every selected target (under each name it has), then checks the caps again with what
 * other experiments hold now: two experiments that each respect the caps alone never break them
 * together. Reasons to refuse; the leases taken are given back by the rejection.
 */
const leaseTargets = async (
  deps: { store: Pick<LeaseRepository, 'acquireLease' | 'leaseHolder'> } & Pick<PhaseDependencies, 'targets'>,
  executionId: string,
  template: Template,
  targets: readonly ResolvedTarget[],
): Promise<string[]> => {
  const reasons: string[] = [];
  for (const target of targets) {
    for (const key of leaseKeys(target)) {
      if (!(await deps.store.acquireLease(key, executionId))) {
        reasons.push(
          `target ${target.id} is in another running experiment (${(await deps.store.leaseHolder(key)) ?? 'unknown'})`,
        );
      }
    }
  }
  if (reasons.length) return reasons;
  for (const name of new Set(targets.map((t) => t.name))) {
    const spec = template.targets[name]!;
    const candidates = await deps.targets[spec.provider]!.candidates(name, spec);
    const busy = await busyCandidates(deps, executionId, candidates);
    const own = targets.filter((t) => t.name === name).length;
    const check = capsProblem(name, candidates.length, busy.length + own, template.safety);
    if (check) reasons.push(check);
  }
  return reasons;
};

/** Candidates that another experiment holds a lease on: they count as hit, and are not for us. */
const busyCandidates = async (
  deps: LeaseHolders,
  executionId: string,
  candidates: readonly ResolvedTarget[],
): Promise<ResolvedTarget[]> => {
  const busy: ResolvedTarget[] = [];
  for (const c of candidates) {
    for (const key of leaseKeys(c)) {
      const holder = await deps.store.leaseHolder(key);
      if (holder !== undefined && holder !== executionId) {
        busy.push(c);
        break;
      }
    }
  }
  return busy;
};

/** The checks that may refuse an execution. Fills `targets` with the selection. */
const preflight = async (
  template: Template,
  execution: Execution,
  deps: LeaseHolders & { store: Pick<HaltSwitchRepository, 'haltState'> } & Pick<
      PhaseDependencies,
      'settings' | 'timer' | 'faults' | 'alarms' | 'targets'
    >,
  targets: ResolvedTarget[],
): Promise<string[]> => {
  const reasons: string[] = [];
  if (!template.safety.environments.includes(execution.environment)) {
    reasons.push(
      `environment ${execution.environment} is not allowed by the template (allowed: ${template.safety.environments.join(', ')})`,
    );
  }
  if (execution.environment !== deps.settings.environment) {
    reasons.push(
      `requested for environment ${execution.environment}, but this stack serves ${deps.settings.environment}`,
    );
  }
  const halt = await deps.store.haltState();
  if (halt) reasons.push(`experiments are halted: ${halt.reason} (by ${halt.by} at ${halt.at})`);
  if (reasons.length) return reasons;

  // Timers here may fire up to `latenessMs` late: the end of the window must still come before
  // the revert deadline, so every fault must outlast the window by that much.
  const lateness = deps.timer.latenessMs;
  for (const [name, a] of Object.entries(template.actions)) {
    if (lateness > 0 && actionDurationMs(a) - windowMs(template) < lateness) {
      reasons.push(
        `action ${name}: its duration must exceed observation.window by at least ${Math.ceil(lateness / 1000)}s here (timers may fire that late)`,
      );
    }
  }

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
      const candidates = await resolver.candidates(name, spec);
      if (candidates.length > TEMPLATE_LIMITS.targets * 10) {
        reasons.push(
          `target ${name}: ${candidates.length} resources match; narrow the target (at most ${TEMPLATE_LIMITS.targets * 10})`,
        );
        continue;
      }
      const busy = await busyCandidates(deps, execution.executionId, candidates);
      const selection = selectTargets(name, spec, candidates, template.safety, Math.random, busy);
      if (selection.ok) targets.push(...selection.targets);
      else reasons.push(selection.reason);
    } catch (error) {
      reasons.push(
        `target ${name}: could not be resolved: ${error instanceof FaultlineError ? error.message : String(error)}`,
      );
    }
  }
  return reasons;
};

const versionOf = (raw: unknown): number => {
  const v = (raw as { version?: unknown } | undefined)?.version;
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : 0;
};
