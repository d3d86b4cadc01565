import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { HelixError } from '../../mesh/index.ts';
import { parseSloSpec, type SloSpecFile } from './spec.ts';

/** Reads and validates the spec files of `slo.specFiles` (relative paths resolve against `cwd`). Lists every bad file at once. */
export async function loadSloSpecs(files: readonly string[], cwd: string): Promise<SloSpecFile[]> {
  const problems: string[] = [];
  const specs: SloSpecFile[] = [];
  for (const file of files) {
    const path = resolve(cwd, file);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      problems.push(`${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); check slo.specFiles`);
      continue;
    }
    try {
      specs.push(parseSloSpec(text, file));
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  if (problems.length) throw new HelixError('slo_spec_invalid', problems.join('\n'));
  return specs;
}
