import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { isElizaCharacter, personaFromEliza } from './persona-eliza.ts';

const lines = z.union([z.string().min(1).transform((s) => [s]), z.array(z.string().min(1)).max(50)]);
const axis = z.number().min(-1).max(1);

/** Where Helix's mood rests when nothing happens: pleasure, arousal, dominance, each -1..1. */
export const Temperament = z.object({ pleasure: axis.default(0.3), arousal: axis.default(0), dominance: axis.default(0.2) });
export type Temperament = z.infer<typeof Temperament>;

/** Who Helix is: the persona file (YAML or JSON) that shapes every prompt. */
export const Persona = z.object({
  name: z.string().min(1).max(64),
  /** A few sentences about who Helix is. */
  bio: lines,
  /** How Helix talks. */
  style: lines.default([]),
  /** What Helix will not do, and how it says so. */
  boundaries: lines.default([]),
  /** Example exchanges, shown to the model as style references (never as facts). */
  examples: z.array(z.object({ user: z.string().min(1).max(1_000), helix: z.string().min(1).max(2_000) })).max(10).default([]),
  /** Background facts about Helix (ElizaOS `lore`); the first few reach the prompt. */
  lore: lines.default([]),
  /** Words that describe Helix (ElizaOS `adjectives`). */
  adjectives: z.array(z.string().min(1).max(64)).max(30).default([]),
  /** What Helix likes to talk about (ElizaOS `topics`). */
  topics: z.array(z.string().min(1).max(128)).max(50).default([]),
  /** Where the mood rests; emotion decays back to it. */
  temperament: Temperament.prefault({}),
});
export type Persona = z.infer<typeof Persona>;

/** The persona that ships with Helix. */
export const DEFAULT_PERSONA_FILE = fileURLToPath(new URL('./persona.default.yaml', import.meta.url));

/** Reads and validates a persona file (Helix YAML/JSON, or an ElizaOS character .json); errors name the file and the bad field. */
export function loadPersona(file: string = DEFAULT_PERSONA_FILE): Persona {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`persona file ${file} cannot be read (${(err as Error).message}); fix it or unset persona.file to use the default`, { cause: err });
  }
  if (isElizaCharacter(raw)) {
    try {
      raw = personaFromEliza(raw).persona;
    } catch (err) {
      throw new Error(`persona file ${file} looks like an ElizaOS character but is invalid:\n${err instanceof z.ZodError ? z.prettifyError(err) : (err as Error).message}`, { cause: err });
    }
  }
  const parsed = Persona.safeParse(raw);
  if (!parsed.success) throw new Error(`persona file ${file} is invalid:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
