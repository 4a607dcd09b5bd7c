import { EXIT, readTemplate } from './common';
import type { Output } from '../display';

export const validateCommand = (path: string, out: Output): number => {
  const template = readTemplate(path);
  out.result(
    `${path}: valid (${template.id} version ${template.version}, ${Object.keys(template.actions).length} action(s))`,
  );
  return EXIT.ok;
};
