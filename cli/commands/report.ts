import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import type { ResultDocument } from '../../shared/report/document';
import { renderExperimentReport } from '../../shared/report/html';
import { historyOf, storedDocument } from '../../shared/report/publish';
import type { Output } from '../display';
import { EXIT, remote, UsageError } from './common';

/**
 * `faultline report <result.json | executionId> [--out F]`: the HTML report of one execution
 * (shared/report/html.ts), from a result document on disk or from the table of a deployed stack
 * (or of a running `faultline local`), with its series and the score trend of its template.
 */

/** The file name of an execution's report: `<experimentId>-<executionId>.html`, beside its JSON. */
export const reportFileName = (d: Pick<ResultDocument, 'experimentId' | 'executionId'>) =>
  `${d.experimentId}-${d.executionId}.html`;

export const writeHtml = (path: string, html: string): string => {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, html);
  return path;
};

/** A path as the CLI prints it: relative to the working directory when it is below it. */
export const shown = (path: string) => {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
};

const looksLikeDocument = (value: unknown): value is ResultDocument => {
  const d = value as Partial<ResultDocument> | null;
  return (
    typeof d === 'object' &&
    d !== null &&
    typeof d.executionId === 'string' &&
    typeof d.experimentId === 'string' &&
    typeof d.status === 'string' &&
    typeof d.verdict === 'string' &&
    Array.isArray(d.criteria) &&
    Array.isArray(d.faults) &&
    Array.isArray(d.timeline) &&
    typeof d.metrics === 'object' &&
    typeof d.safety === 'object' &&
    typeof d.trigger === 'object'
  );
};

const readDocumentFile = (path: string): ResultDocument => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`${path} is not JSON: ${(error as Error).message}`);
  }
  if (!looksLikeDocument(parsed))
    throw new UsageError(`${path} is not a result document (faultline run --json, or a file in reports/)`);
  // Documents written before series and scores were part of them.
  return { ...parsed, series: parsed.series ?? null, score: parsed.score ?? null };
};

export const reportCommand = async (
  source: string,
  options: { out?: string | undefined; stage?: string | undefined },
  out: Output,
): Promise<number> => {
  let html: string;
  let target: string;
  if (existsSync(source) || extname(source) === '.json') {
    if (!existsSync(source)) throw new UsageError(`no result document at ${source}`);
    const document = readDocumentFile(source);
    html = renderExperimentReport(document);
    target = options.out ?? join(dirname(source), `${basename(source, extname(source))}.html`);
  } else {
    const backend = remote(options.stage);
    try {
      const stored = await storedDocument(backend.store, source);
      if (!stored) throw new UsageError(`no execution ${source} (nor a file of that name)`);
      const { execution, document } = stored;
      html = renderExperimentReport(document, {
        history: await historyOf(backend.store, execution.experimentId),
        hypothesis: execution.template?.hypothesis.statement,
      });
      target = options.out ?? join('reports', reportFileName(document));
    } finally {
      await backend.close();
    }
  }
  out.result(`report: ${shown(writeHtml(resolve(target), html))}`);
  return EXIT.ok;
};
