import { leaseKeys } from '../../shared/domain/execution';
import { resultDocument } from '../../shared/phases/result';
import type { Output } from '../display';
import { EXIT, remote, UsageError } from './common';

export const statusCommand = async (
  executionId: string,
  options: { json: boolean; stage?: string | undefined },
  out: Output,
): Promise<number> => {
  const backend = remote(options.stage);
  try {
    const execution = await backend.store.getExecution(executionId);
    if (!execution) throw new UsageError(`no execution ${executionId}`);
    const document = resultDocument(
      execution,
      await backend.store.listFaults(executionId),
      await backend.store.readJournal(executionId),
    );
    if (options.json) out.result(JSON.stringify({ ...document, status: execution.status }, null, 2));
    else {
      out.result(
        `${execution.experimentId} ${executionId}: ${execution.status}${execution.verdict ? ` / verdict ${execution.verdict}` : ''}`,
      );
      for (const t of document.timeline)
        out.result(`  ${t.at}  ${t.phase.padEnd(8)} ${t.event}${t.outcome !== 'ok' ? ` (${t.outcome})` : ''}`);
      // Targets this execution still holds pinned: a fault may be active there until a person checks.
      for (const key of (execution.targets ?? []).flatMap(leaseKeys)) {
        const lease = await backend.store.lease(key);
        if (lease?.pinned && lease.executionId === executionId)
          out.result(`  pinned lease: ${key} (check the target, then "faultline release ${key}")`);
      }
    }
    return EXIT.ok;
  } finally {
    await backend.close();
  }
};
