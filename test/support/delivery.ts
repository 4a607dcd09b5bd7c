import type { TemplateInput } from '../../shared/domain/template';
import { parseTemplate } from '../../shared/domain/template';
import { storeTemplate } from '../../shared/delivery/bindings';
import { localDeliveryExtras, deliveryFunctions } from '../../local/delivery';
import type { PipelineControl } from '../../shared/delivery/pipeline-control';
import { LocalPipelineControl } from '../../local/pipeline-control';
import type { DeliveryExtras, DeliverySettings } from '../../shared/delivery/dependencies';
import type { BusEvent, Clock } from '../../shared/ports';
import { startTestRuntime, type TestRuntime } from './runtime';
import { awsFixture } from './fixtures';
import { quickTemplate } from './templates';

export { awsFixture } from './fixtures';

/** The account of the CodePipeline fixtures: the stack must trust it for them to be accepted. */
export const FIXTURE_ACCOUNT = '123456789012';

export interface DeliveryTestRuntime extends TestRuntime {
  pipelines: LocalPipelineControl;
  extras: DeliveryExtras;
  printed: string[];
}

/** The embedded runtime with the delivery functions registered and the local CodePipeline adapter. */
export const startDeliveryRuntime = async (
  options: { account?: string; pipelines?: PipelineControl; delivery?: Partial<DeliverySettings>; clock?: Clock } = {},
): Promise<DeliveryTestRuntime> => {
  const printed: string[] = [];
  const local = new LocalPipelineControl((line) => printed.push(line));
  const extras = localDeliveryExtras({
    pipelines: options.pipelines ?? local,
    ...(options.delivery ? { delivery: options.delivery } : {}),
  });
  const t = await startTestRuntime({
    settings: { account: options.account ?? FIXTURE_ACCOUNT },
    functions: deliveryFunctions(extras),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  return { ...t, pipelines: local, extras, printed };
};

/** A quick local template bound to pipeline stages; `target` lets two run side by side. */
export const boundTemplate = (
  id: string,
  pipelines: Array<{
    pipeline: string;
    stage: string;
    action?: string;
    onFailure?: 'rollback-stage' | 'stop-pipeline' | 'none';
  }>,
  overrides: Partial<TemplateInput> = {},
  target: 'local:replica' | 'local:dependency' = 'local:replica',
): TemplateInput =>
  quickTemplate({
    id,
    targets: { web: { provider: 'local', resourceType: target, selectionMode: 'COUNT(1)' } },
    delivery: { pipelines },
    ...overrides,
  });

export const storeTemplates = async (t: TestRuntime, ...templates: TemplateInput[]): Promise<void> => {
  for (const template of templates) await storeTemplate(t.runtime.store, parseTemplate(template));
};

/** The stage STARTED fixture with its state set: AWS documents no stage SUCCEEDED example. */
export const stageEvent = (state: string, overrides: Partial<BusEvent> = {}): BusEvent => {
  const event = awsFixture<BusEvent<Record<string, unknown>>>('codepipeline-stage-execution-state-change.started.json');
  return { ...event, ...overrides, detail: { ...event.detail, state } } as BusEvent;
};

export const requestsSeen = (t: TestRuntime): Array<Record<string, unknown>> => {
  const seen: Array<Record<string, unknown>> = [];
  t.runtime.bus.subscribe((e) => {
    if (e['detail-type'] === 'ExperimentRequested') seen.push(e.detail as Record<string, unknown>);
  });
  return seen;
};

export { waitFor } from './wait';
