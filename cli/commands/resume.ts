import type { Output } from '../display';
import { EXIT, remote } from './common';

export const resumeCommand = async (stage: string | undefined, out: Output): Promise<number> => {
  const backend = remote(stage);
  try {
    await backend.store.resume();
    out.result('resumed: experiments may start again');
    return EXIT.ok;
  } finally {
    await backend.close();
  }
};
