import { deliveryFunctions, localDeliveryExtras } from './delivery';
import { DemoFleet, type DemoFleetOptions } from './fleet';
import { LocalFaultProviders, LocalTargetResolver } from './faults';
import { LocalMonitor } from './monitor/monitor';
import type { AlarmDefinition } from './monitor/alarms';
import { EmbeddedRuntime, type EmbeddedRuntimeOptions } from './runtime';
import { startPutEventsServer, type PutEventsServer } from './put-events-server';

const LOCAL_BUS_NAME = 'faultline-local';
export const LOCAL_TABLE_NAME = 'faultline-local';

export interface LocalEnvironmentOptions {
  /** Port of the PutEvents endpoint; dynalite listens on the next one. Left out: no endpoint, free ports. */
  port?: number;
  fleet?: DemoFleetOptions;
  alarms?: readonly AlarmDefinition[];
  monitor?: { probeRatePerSecond?: number };
  runtime?: Partial<EmbeddedRuntimeOptions>;
}

/**
 * The whole local environment: the demo fleet (the system under test), its monitor (metrics,
 * alarms, health), the embedded runtime with the local fault provider, and optionally the
 * EventBridge PutEvents endpoint. `stop()` ends every process and server it started.
 */
export class LocalEnvironment {
  private constructor(
    readonly fleet: DemoFleet,
    readonly monitor: LocalMonitor,
    readonly runtime: EmbeddedRuntime,
    readonly endpoint: PutEventsServer | undefined,
  ) {}

  static async start(options: LocalEnvironmentOptions = {}): Promise<LocalEnvironment> {
    // Health checks time out after 5 s, as an Application Load Balancer's do by default: a slow
    // replica stays in service (and slows its share of requests) instead of being routed around.
    const fleet = new DemoFleet({ healthCheckTimeoutMs: 5_000, ...(options.fleet ?? {}) });
    let monitor: LocalMonitor | undefined;
    let runtime: EmbeddedRuntime | undefined;
    try {
      await fleet.start();
      let deliver: (event: Parameters<EmbeddedRuntime['deliverAwsEvent']>[0]) => void = () => {};
      monitor = new LocalMonitor({
        fleet,
        account: options.runtime?.settings?.account ?? '000000000000',
        region: process.env.AWS_REGION ?? 'us-east-1',
        ...(options.alarms ? { alarms: options.alarms } : {}),
        ...(options.monitor ?? {}),
        onAlarmEvent: (event) => deliver(event),
      });
      monitor.start();
      runtime = await EmbeddedRuntime.start({
        faults: new LocalFaultProviders({ fleet }),
        targets: { local: new LocalTargetResolver({ fleet }) },
        metrics: monitor,
        alarms: monitor,
        health: monitor,
        tableName: LOCAL_TABLE_NAME,
        functions: deliveryFunctions(localDeliveryExtras()),
        ...(options.port !== undefined ? { dynamoPort: options.port + 1 } : {}),
        ...(options.runtime ?? {}),
      });
      const started = runtime;
      deliver = (event) => started.deliverAwsEvent(event);
      const endpoint =
        options.port !== undefined
          ? await startPutEventsServer({
              bus: runtime.bus,
              port: options.port,
              customBusName: LOCAL_BUS_NAME,
              account: runtime.bus.account,
              region: runtime.bus.region,
            })
          : undefined;
      return new LocalEnvironment(fleet, monitor, runtime, endpoint);
    } catch (error) {
      await runtime?.stop().catch(() => undefined);
      await monitor?.stop().catch(() => undefined);
      await fleet.stop().catch(() => undefined);
      throw error;
    }
  }

  async stop(): Promise<void> {
    await this.endpoint?.close().catch(() => undefined);
    await this.runtime.stop().catch(() => undefined);
    await this.monitor.stop().catch(() => undefined);
    await this.fleet.stop();
  }
}
