import type { Output } from '../../cli/display';

/** The CLI's output, kept by kind (progress, result, error), as a test reads it. */
export const captureByKind = () => {
  const lines = { progress: [] as string[], result: [] as string[], error: [] as string[] };
  const out: Output = {
    progress: (l) => lines.progress.push(l),
    result: (l) => lines.result.push(l),
    error: (l) => lines.error.push(l),
  };
  return { out, lines };
};

/** The CLI's output as one list of lines, in the order written. */
export const captureAll = () => {
  const lines: string[] = [];
  const out: Output = { progress: (l) => lines.push(l), result: (l) => lines.push(l), error: (l) => lines.push(l) };
  return { out, lines };
};
