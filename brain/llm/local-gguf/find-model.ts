import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The first `*.gguf` file in `dir` by name (byte order, so the pick never depends on the locale), or
 * `undefined` when the directory is missing, unreadable or holds none. Not recursive; the extension is
 * matched case-insensitively and dot files are ignored. Split models (`…-00001-of-00003.gguf`) sort their first part first.
 */
export function findGgufModel(dir: string): string | undefined {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return undefined;
  }
  const names = entries
    // Dot files are skipped: macOS leaves `._model.gguf` metadata files beside copied models.
    .filter((e) => (e.isFile() || e.isSymbolicLink()) && !e.name.startsWith('.') && e.name.toLowerCase().endsWith('.gguf'))
    .map((e) => e.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return names[0] === undefined ? undefined : join(dir, names[0]);
}
