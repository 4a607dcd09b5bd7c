import type { Output } from '../display';
import { EXIT, remote, UsageError } from './common';

/**
 * Gives a target's lease back by hand: the only way a pinned lease (an execution that ended
 * ROLLBACK_FAILED, a fault perhaps still active) goes, after a person has checked the target.
 * Journaled on the execution that held it.
 */
export const releaseCommand = async (
  targetKey: string,
  reason: string,
  stage: string | undefined,
  out: Output,
): Promise<number> => {
  const backend = remote(stage);
  try {
    const held = await backend.store.lease(targetKey);
    if (!held) throw new UsageError(`no lease on ${targetKey}: nothing to release`);
    const released = await backend.store.releaseLeaseByHand(targetKey);
    if (!released) throw new UsageError(`no lease on ${targetKey}: it was given back meanwhile`);
    const by = process.env.USER ?? 'cli';
    await backend.store.journal(released.executionId, {
      phase: 'operator',
      action: 'release lease',
      outcome: 'ok',
      detail: { targetKey, pinned: released.pinned, by, reason },
    });
    out.result(
      `released ${targetKey}: ${released.pinned ? 'pinned ' : ''}lease of execution ${released.executionId}${released.reason ? ` (${released.reason})` : ''}; experiments may target it again`,
    );
    return EXIT.ok;
  } finally {
    await backend.close();
  }
};
