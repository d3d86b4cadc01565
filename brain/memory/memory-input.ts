import { z } from 'zod';
import { HelixError } from '../../mesh/index.ts';

/** Longest memory accepted unless configured otherwise (`memory.maxMemoryChars`). */
export const DEFAULT_MAX_MEMORY_CHARS = 2_000;

/** Where a memory came from: the platform, conversation and event of the message, and when. */
export const MemoryProvenance = z.object({
  platform: z.string().min(1).max(64),
  conversationId: z.string().min(1).max(512),
  eventId: z.string().min(1).max(512),
  at: z.coerce.date(),
});
export type MemoryProvenance = z.infer<typeof MemoryProvenance>;

export const MemoryKind = z.enum(['episodic', 'fact', 'summary']);
export type MemoryKind = z.infer<typeof MemoryKind>;

/** A fact key: lower-case words joined by dots (`dog.name`, `job.start`, `home`). */
export const FactKey = z.string().regex(/^[a-z0-9_]+(\.[a-z0-9_]+)*$/, 'must be lower-case words joined by dots, like dog.name').max(100);

/** One memory to write; `text` is refused past `maxChars`. */
export function newMemorySchema(maxChars: number) {
  return z
    .object({
      kind: MemoryKind,
      text: z.string().trim().min(1, 'a memory cannot be empty').max(maxChars, `a memory may be at most ${maxChars} characters (memory.maxMemoryChars)`),
      /** Required for facts: what the fact is about; a newer fact with the same key supersedes the older. */
      factKey: FactKey.optional(),
      provenance: MemoryProvenance,
      /** Which writer made it. @defaultValue `turn` */
      source: z.enum(['turn', 'consolidation', 'llm', 'merge', 'manual']).default('turn'),
    })
    .refine((m) => m.kind !== 'fact' || m.factKey !== undefined, { message: 'a fact needs a factKey', path: ['factKey'] });
}
export type NewMemory = z.output<ReturnType<typeof newMemorySchema>>;
export type NewMemoryInput = z.input<ReturnType<typeof newMemorySchema>>;

/** Parses a write or throws `memory_invalid` with every problem. */
export function parseNewMemory(input: unknown, maxChars: number): NewMemory {
  const parsed = newMemorySchema(maxChars).safeParse(input);
  if (!parsed.success) throw new HelixError('memory_invalid', `Memory refused: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
