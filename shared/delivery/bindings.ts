import type { PipelineBinding, Template } from '../domain/template';
import { ContentionError } from '../errors';
import type { RecordRepository, TemplateRepository } from '../store/execution-store';
import { RECORDS } from './dependencies';

/**
 * The binding index: which stored templates are bound to a pipeline stage. The template's own
 * `delivery.pipelines` stays the source of truth: the index only finds candidates, and every
 * candidate is checked against its newest stored version before anything starts (an index entry
 * left by an older version that no longer binds is skipped).
 */

interface BindingIndex {
  templates: string[];
  revision: number;
}

const indexId = (pipeline: string, stage: string) => `${pipeline}#${stage}`;

/** Adds the template to the index of each stage it binds. Single-item conditional writes only. */
const registerBindings = async (store: RecordRepository, template: Template): Promise<void> => {
  for (const binding of template.delivery?.pipelines ?? []) {
    const id = indexId(binding.pipeline, binding.stage);
    for (let attempt = 0; ; attempt++) {
      if (attempt >= 10) throw new ContentionError(`binding index ${id} kept changing while ${template.id} was added`);
      const current = await store.getRecord<BindingIndex>(RECORDS.binding, id);
      if (!current) {
        if (await store.putRecordOnce(RECORDS.binding, id, { templates: [template.id], revision: 1 })) break;
        continue;
      }
      if (current.templates.includes(template.id)) break;
      const next = { templates: [...current.templates, template.id].sort(), revision: current.revision + 1 };
      if (await store.updateRecord(RECORDS.binding, id, next, { field: 'revision', expected: [current.revision] }))
        break;
    }
  }
};

/** Stores a template version and indexes its pipeline bindings: what template uploads call. */
export const storeTemplate = async (
  store: TemplateRepository & RecordRepository,
  template: Template,
): Promise<void> => {
  await store.putTemplate(template);
  await registerBindings(store, template);
};

interface BoundTemplate {
  template: Template;
  binding: PipelineBinding;
}

/**
 * Templates whose newest version binds this stage; with `action`, those bound to that action,
 * without it, those bound to the stage as a whole. Sorted by id, so that runs are reproducible.
 */
export const boundTemplates = async (
  store: Pick<RecordRepository, 'getRecord'> & Pick<TemplateRepository, 'getTemplate'>,
  where: { pipeline: string; stage: string; action?: string },
  options: { anyAction?: boolean } = {},
): Promise<BoundTemplate[]> => {
  const index = await store.getRecord<BindingIndex>(RECORDS.binding, indexId(where.pipeline, where.stage));
  const found: BoundTemplate[] = [];
  for (const id of [...(index?.templates ?? [])].sort()) {
    const template = await store.getTemplate(id);
    const binding = template
      ? options.anyAction
        ? bindingOfStage(template, where.pipeline, where.stage)
        : bindingFor(template, where)
      : undefined;
    if (template && binding) found.push({ template, binding });
  }
  return found;
};

const bindingFor = (
  template: Template,
  where: { pipeline: string; stage: string; action?: string },
): PipelineBinding | undefined =>
  template.delivery?.pipelines.find(
    (b) => b.pipeline === where.pipeline && b.stage === where.stage && b.action === where.action,
  );

/** The binding of an execution's template to the stage that triggered it, whatever the action. */
export const bindingOfStage = (
  template: Template | undefined,
  pipeline: string,
  stage: string,
): PipelineBinding | undefined =>
  template?.delivery?.pipelines.find((b) => b.pipeline === pipeline && b.stage === stage);
