import { abortExecution } from '../../shared/phases/operator';
import type { Output } from '../display';
import { EXIT, remote, UsageError } from './common';

export const abortCommand = async (executionId: string, stage: string | undefined, out: Output): Promise<number> => {
  const backend = remote(stage);
  try {
    const outcome = await abortExecution(backend, executionId, process.env.USER ?? 'an operator', new Date());
    if (outcome.kind === 'missing') throw new UsageError(`no execution ${executionId}`);
    if (outcome.kind === 'final') {
      throw new UsageError(`execution ${executionId} is already ${outcome.execution.status}`);
    }
    out.result(`abort requested for ${executionId}: every injected fault is being reverted`);
    return EXIT.ok;
  } finally {
    await backend.close();
  }
};
