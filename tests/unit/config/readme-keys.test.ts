import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { HelixConfig, envNameFor } from '../../../config/index.ts';

const ROOT = new URL('../../../', import.meta.url).pathname;

/** Every leaf path of the config schema. */
function leafPaths(schema: z.ZodType, prefix: string[] = []): string[][] {
  let node: z.ZodType = schema;
  for (;;) {
    const def = (node as unknown as { def: { innerType?: z.ZodType; type: string; in?: z.ZodType } }).def;
    if (def.innerType) node = def.innerType;
    else if (def.type === 'pipe' && def.in) node = def.in;
    else break;
  }
  if (node instanceof z.ZodObject) return Object.entries(node.shape as Record<string, z.ZodType>).flatMap(([k, v]) => leafPaths(v, [...prefix, k]));
  return [prefix];
}

describe('README configuration table', () => {
  test('GIVEN the config schema THEN every key and its environment variable are documented in the README', () => {
    const readme = readFileSync(`${ROOT}README.md`, 'utf8');
    const missing = leafPaths(HelixConfig).filter((p) => !readme.includes(`\`${p.join('.')}\``) || !readme.includes(envNameFor(p)));
    expect(missing.map((p) => p.join('.'))).toEqual([]);
  });
});
