import { haltExperiments } from '../../shared/phases/operator';
import type { Output } from '../display';
import { EXIT, remote } from './common';

/** The kill switch (shared/phases/operator.ts): blocks new starts and reverts every running experiment. */
export const haltCommand = async (reason: string, stage: string | undefined, out: Output): Promise<number> => {
  const backend = remote(stage);
  try {
    const stopping = await haltExperiments(backend, reason, process.env.USER ?? 'cli', new Date());
    out.result(
      `halted: no experiment starts until "faultline resume"; ${stopping.length} running experiment(s) told to revert`,
    );
    return EXIT.ok;
  } finally {
    await backend.close();
  }
};
