import { parse as parseYaml } from 'yaml';
import { InvalidTemplateError } from '../errors';
import { parseTemplate, type Template } from './template';

// Kept apart from the model so that functions that never read YAML do not bundle a YAML parser.

/** Reads a template document (YAML or JSON text). A syntax error is reported as a problem too. */
export const parseTemplateText = (text: string): Template => {
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: true });
  } catch (error) {
    throw new InvalidTemplateError([{ path: '', message: `not valid YAML or JSON: ${(error as Error).message}` }], {
      cause: error,
    });
  }
  return parseTemplate(doc);
};
