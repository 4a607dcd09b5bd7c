import { clients } from '../aws/clients';
import { parseDurationMs } from '../domain/duration';
import { ConfigurationError } from '../errors';
import { awsPhaseDependencies } from '../runtime/aws-dependencies';
import { defaultDeliverySettings, type DeliveryDependencies, type DeliveryExtras, type DeliverySettings } from './dependencies';
import { AwsPipelineControl } from './pipeline-control';

/** Delivery settings from the environment (GATE_MAX_WAIT: ISO-8601), read once at cold start. */
export const loadDeliverySettings = (env: Readonly<Record<string, string | undefined>> = process.env): DeliverySettings => {
  const defaults = defaultDeliverySettings();
  const raw = env.GATE_MAX_WAIT?.trim();
  if (!raw) return defaults;
  const ms = parseDurationMs(raw);
  if (ms === undefined || ms <= 0) throw new ConfigurationError(`configuration: invalid GATE_MAX_WAIT "${raw}": an ISO-8601 duration (PT1H)`);
  if (ms > defaults.gateMaxWaitLimitMs) throw new ConfigurationError(`configuration: GATE_MAX_WAIT ${raw} is longer than 23 hours (CodePipeline fails a Lambda action after 24)`);
  return { ...defaults, gateMaxWaitMs: ms };
};

let extras: DeliveryExtras | undefined;

/** The delivery extras on AWS: the CodePipeline adapter on the process's client, and the settings. */
export const awsDeliveryExtras = (): DeliveryExtras =>
  (extras ??= { pipelines: new AwsPipelineControl(clients.codePipeline), delivery: loadDeliverySettings() });

/** Everything a delivery function works with on AWS: the phase dependencies plus the extras. */
export const awsDeliveryDependencies = (): DeliveryDependencies => ({ ...awsPhaseDependencies(), ...awsDeliveryExtras() });
