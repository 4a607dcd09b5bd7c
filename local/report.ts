import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { InvalidArgumentError } from '../shared/errors';
import type { OperationalMetrics, ReportObject, ReportSink } from '../shared/report/ports';

/**
 * The report bucket on one machine: each key is a file under `dir` (`reports/<experimentId>/
 * <executionId>/report.html`...), written again when its key is. A key that would leave `dir` is refused.
 */
export class FolderReportSink implements ReportSink {
  private readonly root: string;

  constructor(dir: string) {
    this.root = resolve(dir);
  }

  async put(object: ReportObject): Promise<void> {
    const path = resolve(this.root, object.key);
    if (!path.startsWith(`${this.root}${sep}`))
      throw new InvalidArgumentError(`report key "${object.key}" is outside ${this.root}`);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, object.body);
  }
}

/** No operational metrics on one machine: there is no CloudWatch to read them. */
export const noOperationalMetrics: OperationalMetrics = { experimentCompleted: () => {} };
