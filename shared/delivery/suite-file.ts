import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Problem } from '../errors';
import type { Template } from '../domain/template';
import { parseTemplateText } from '../domain/template-text';
import { InvalidSuiteError, parseSuite, TEMPLATE_ID, type DueSuite, type Suite, type SuiteTemplate } from './suite';

// Reading suite files (YAML) lives apart from the suite model, so that functions that only
// receive parsed suites in events do not bundle a YAML parser.

export const parseSuiteText = (text: string): Suite => {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (error) {
    throw new InvalidSuiteError([{ path: '', message: `not valid YAML or JSON: ${(error as Error).message}` }], {
      cause: error,
    });
  }
  return parseSuite(doc);
};

/**
 * Resolves a suite file's templates for a run on this machine: ids stay ids (stored templates),
 * paths are read relative to the suite file and validated now, so a broken template fails the
 * run before anything starts.
 */
export const resolveSuiteFile = (path: string): DueSuite => {
  const suite = parseSuiteText(readFileSync(path, 'utf8'));
  return resolveSuiteTemplates(suite, dirname(path));
};

export const resolveSuiteTemplates = (suite: Suite, baseDir: string): DueSuite => {
  const problems: Problem[] = [];
  const templates = suite.templates.map((entry, i): SuiteTemplate => {
    if (TEMPLATE_ID.test(entry)) return entry;
    const file = isAbsolute(entry) ? entry : resolve(baseDir, entry);
    try {
      const template: Template = parseTemplateText(readFileSync(file, 'utf8'));
      return { id: template.id, source: entry, template: template as unknown as Record<string, unknown> };
    } catch (error) {
      problems.push({ path: `templates.${i}`, message: `${entry}: ${(error as Error).message}` });
      return entry;
    }
  });
  if (problems.length) throw new InvalidSuiteError(problems);
  return { ...suite, templates };
};
