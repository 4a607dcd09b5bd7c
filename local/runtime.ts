import { randomUUID } from 'node:crypto';
import { ExperimentRequested } from '../events';
import type { Execution, Trigger } from '../shared/domain/execution';
import { isFinal } from '../shared/domain/execution';
import type { Template, TemplateInput } from '../shared/domain/template';
import { forAtMost, pollUntil } from '../shared/poll';
import { ExecutionNotFoundError, WaitTimeoutError } from '../shared/errors';
import { defaultSettings, type PhaseDependencies, type PhaseSettings } from '../shared/phases/dependencies';
import { PHASES } from '../shared/phases/definitions';
import { newExecutionId } from '../shared/domain/execution';
import type { AlarmSource, BusEvent, Clock, FaultProviders, HealthCheck, MetricsSource } from '../shared/ports';
import { silentLogger, type Logger } from '../shared/lambda/logger';
import { createPhaseHandler, type PhaseDefinition } from '../shared/lambda/phase-handler';
import { createReportHandler, REPORT_FUNCTION_NAME } from '../shared/lambda/report-handler';
import type { ReportSink } from '../shared/report/ports';
import { ExecutionStore } from '../shared/store/execution-store';
import { LocalBus, type DeadLetter } from './bus';
import { startEmbeddedDynamo, type EmbeddedDynamo } from './dynamo';
import { noOperationalMetrics } from './report';
import { loadFunctionRules, serverlessYmlPath } from './rules';
import { LocalTimer } from './timer';

export interface EmbeddedRuntimeOptions {
  faults: FaultProviders;
  targets: PhaseDependencies['targets'];
  metrics: MetricsSource;
  alarms: AlarmSource;
  health: HealthCheck;
  settings?: Partial<PhaseSettings>;
  tableName?: string;
  /** dynalite's port; 0 (default) takes a free one. */
  dynamoPort?: number;
  clock?: Clock;
  serverlessYml?: string;
  /** Further functions of serverless.yml to run (pipeline, game days), by name. */
  functions?: Record<string, (deps: PhaseDependencies) => PhaseDefinition>;
  /**
   * Where the report function writes (a FolderReportSink, local/report.ts). Without it the report
   * function does not run: its rule matches ExperimentCompleted and GameDayCompleted, and nothing
   * is delivered, as to a function that is not deployed.
   */
  reports?: ReportSink;
  logger?: Logger;
  onDeadLetter?: (letter: DeadLetter) => void;
}

/**
 * The embedded runtime: the same phase handlers as on Lambda, wired to an in-process bus that
 * routes with serverless.yml's rules, dynalite as the table, and in-process timers as Scheduler.
 */
export class EmbeddedRuntime {
  private constructor(
    readonly bus: LocalBus,
    readonly timer: LocalTimer,
    readonly store: ExecutionStore,
    readonly dynamo: EmbeddedDynamo,
    readonly deps: PhaseDependencies,
    readonly tableName: string,
  ) {}

  static async start(options: EmbeddedRuntimeOptions): Promise<EmbeddedRuntime> {
    const clock = options.clock ?? { now: () => new Date() };
    const tableName = options.tableName ?? 'faultline-local';
    // In-process providers answer at once: revert retries and waits for injections on a short scale.
    const settings = defaultSettings({ revertBackoffMs: 50, injectionSettleMs: 10_000, ...options.settings });
    const dynamo = await startEmbeddedDynamo(tableName, options.dynamoPort ?? 0);
    const store = new ExecutionStore(dynamo.client, tableName, clock);
    const rules = loadFunctionRules(options.serverlessYml ?? serverlessYmlPath());
    const bus = new LocalBus({
      rules,
      account: settings.account,
      ...(options.onDeadLetter ? { onDeadLetter: options.onDeadLetter } : {}),
    });
    const timer = new LocalTimer((entry) => bus.putEvents([entry], 'custom'), clock);
    const deps: PhaseDependencies = {
      store,
      publisher: bus,
      timer,
      clock,
      faults: options.faults,
      targets: options.targets,
      metrics: options.metrics,
      alarms: options.alarms,
      health: options.health,
      settings,
    };
    const logger = options.logger ?? silentLogger;
    const definitions: PhaseDefinition[] = [
      ...Object.values(PHASES),
      ...Object.values(options.functions ?? {}).map((make) => make(deps)),
    ];
    for (const definition of definitions) {
      const handler = createPhaseHandler(definition, deps, logger);
      bus.register(definition.name, (event) => handler(event, {} as never));
    }
    if (options.reports) {
      const report = createReportHandler(
        {
          store,
          sink: options.reports,
          metrics: noOperationalMetrics,
          account: settings.account,
          // The series are measured by the runtime's own source (the local monitor: 1 s periods).
          series: { metrics: options.metrics, minimumPeriodSeconds: 1 },
        },
        logger,
      );
      bus.register(REPORT_FUNCTION_NAME, (event) => report(event));
    }
    const runtime = new EmbeddedRuntime(bus, timer, store, dynamo, deps, tableName);
    for (const rule of rules) {
      if (!rule.schedule) continue;
      const { everyMs, ruleName } = rule.schedule;
      const tick = setInterval(() => runtime.deliverAwsEvent(runtime.scheduledEvent(ruleName)), everyMs);
      tick.unref();
      runtime.ticks.push(tick);
    }
    return runtime;
  }

  private readonly ticks: NodeJS.Timeout[] = [];

  /** The "Scheduled Event" EventBridge sends when a scheduled rule fires. */
  scheduledEvent(ruleName: string): BusEvent {
    return {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: this.bus.account,
      time: this.deps.clock
        .now()
        .toISOString()
        .replace(/\.\d{3}Z$/, 'Z'),
      region: this.bus.region,
      resources: [`arn:aws:events:${this.bus.region}:${this.bus.account}:rule/${ruleName}`],
      detail: {},
    };
  }

  /** Publishes ExperimentRequested for a template, as `faultline run` does; returns the execution id. */
  async requestExperiment(
    template: Template | TemplateInput | Record<string, unknown>,
    options: { dryRun?: boolean; trigger?: Trigger; executionId?: string; environment?: string } = {},
  ): Promise<string> {
    const executionId = options.executionId ?? newExecutionId();
    await this.bus.publish([
      ExperimentRequested.entry({
        executionId,
        experimentId: String((template as { id?: unknown }).id ?? 'unknown'),
        template: template as Record<string, unknown>,
        dryRun: options.dryRun ?? false,
        trigger: options.trigger ?? { type: 'cli' },
        environment: options.environment ?? this.deps.settings.environment,
        requestedAt: this.deps.clock.now().toISOString(),
      }),
    ]);
    return executionId;
  }

  /** Waits (bounded) until the execution reaches a final status. */
  async waitForFinal(executionId: string, timeoutMs = 30_000): Promise<Execution> {
    const { value: execution, done } = await pollUntil(
      forAtMost(timeoutMs, 25),
      () => this.store.getExecution(executionId),
      (e) => e !== undefined && isFinal(e.status),
    );
    if (done) {
      await this.bus.idle();
      return (await this.store.getExecution(executionId))!;
    }
    if (!execution) throw new ExecutionNotFoundError(executionId);
    throw new WaitTimeoutError(`execution ${executionId} still ${execution.status} after ${timeoutMs} ms`);
  }

  /** Delivers an AWS event (alarm state change, scheduled event) on the default bus. */
  deliverAwsEvent(event: BusEvent): void {
    this.bus.deliver(event, 'default');
  }

  async stop(): Promise<void> {
    for (const tick of this.ticks) clearInterval(tick);
    this.timer.stop();
    this.bus.stop();
    await this.bus.idle();
    await this.dynamo.close();
  }
}
