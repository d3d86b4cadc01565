// Converts an ElizaOS character file into a Helix persona: `npm run persona:import -- character.json > persona.yaml`.
// What could not be carried over is listed on stderr; the output is validated against the persona schema.
import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { z } from 'zod';
import { Persona, personaFromEliza } from '../config/index.ts';

const file = process.argv[2];
if (!file || file === '--help') {
  console.error('usage: npm run persona:import -- <eliza-character.json> > persona.yaml');
  process.exit(2);
}
try {
  const { persona, notes } = personaFromEliza(JSON.parse(readFileSync(file, 'utf8')));
  const checked = Persona.parse(persona);
  for (const n of notes) console.error(`note: ${n}`);
  process.stdout.write(`# Imported from ${file} (ElizaOS character). Point persona.file at this file.\n${stringify(checked, { lineWidth: 0 })}`);
} catch (err) {
  console.error(`cannot import ${file}: ${err instanceof z.ZodError ? z.prettifyError(err) : (err as Error).message}`);
  process.exit(1);
}
