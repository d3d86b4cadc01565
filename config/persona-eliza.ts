import { z } from 'zod';

/**
 * The parts of an ElizaOS character file Helix reads (both the 0.x `user` and the 1.x `name` speaker keys).
 * Everything else (settings, secrets, plugins, clients, knowledge, postExamples) is left behind.
 * @see https://eliza.how/docs/core/characters
 */
const text = z.string();
const lineOrLines = z.union([text.transform((s) => [s]), z.array(text)]);
const ElizaMessage = z.object({ user: text.optional(), name: text.optional(), content: z.object({ text: text.optional() }).loose() }).loose();
export const ElizaCharacter = z
  .object({
    name: text.min(1),
    system: text.optional(),
    bio: lineOrLines.default([]),
    lore: z.array(text).default([]),
    adjectives: z.array(text).default([]),
    topics: z.array(text).default([]),
    style: z.object({ all: z.array(text).default([]), chat: z.array(text).default([]), post: z.array(text).default([]) }).partial().default({}),
    messageExamples: z.array(z.array(ElizaMessage)).default([]),
  })
  .loose();
export type ElizaCharacter = z.infer<typeof ElizaCharacter>;

/** True when a parsed persona file looks like an ElizaOS character rather than Helix's own format. */
export function isElizaCharacter(raw: unknown): boolean {
  if (!raw || typeof raw !== 'object') return false;
  const r = raw as Record<string, unknown>;
  // Helix personas have `examples` and a list (or string) for style; Eliza has `messageExamples` and style {all, chat, post}.
  return 'messageExamples' in r || (typeof r.style === 'object' && r.style !== null && !Array.isArray(r.style));
}

/** Helix persona fields (as plain data, validated by the Persona schema) from an ElizaOS character, with notes on what was cut. */
export function personaFromEliza(raw: unknown): { persona: Record<string, unknown>; notes: string[] } {
  const c = ElizaCharacter.parse(raw);
  const notes: string[] = [];
  const keep = (what: string, list: string[], max: number, maxChars = 1_000): string[] => {
    const clean = list.map((s) => s.trim()).filter(Boolean).map((s) => s.slice(0, maxChars));
    if (clean.length > max) notes.push(`${what}: kept the first ${max} of ${clean.length}`);
    return clean.slice(0, max);
  };
  const examples: Array<{ user: string; helix: string }> = [];
  for (const convo of c.messageExamples) {
    for (let i = 0; i + 1 < convo.length; i++) {
      const a = convo[i]!;
      const b = convo[i + 1]!;
      const speakerA = a.name ?? a.user ?? '';
      const speakerB = b.name ?? b.user ?? '';
      const isAgent = (s: string) => s === c.name || s === '{{agentName}}';
      if (!isAgent(speakerA) && isAgent(speakerB) && a.content.text?.trim() && b.content.text?.trim()) {
        examples.push({ user: a.content.text.trim().slice(0, 1_000), helix: b.content.text.trim().slice(0, 2_000) });
        i++;
      }
    }
  }
  if (examples.length > 10) notes.push(`messageExamples: kept the first 10 of ${examples.length} exchanges`);
  const dropped = ['settings', 'secrets', 'plugins', 'clients', 'knowledge', 'postExamples', 'modelProvider', 'system'].filter((k) => k in (raw as object));
  if (dropped.length) notes.push(`not imported: ${dropped.join(', ')}`);
  if (c.style.post?.length) notes.push('style.post (posting style) is not imported: Helix chats');
  return {
    notes,
    persona: {
      name: c.name.slice(0, 64),
      bio: keep('bio', c.bio, 50),
      lore: keep('lore', c.lore, 50),
      style: keep('style', [...(c.style.all ?? []), ...(c.style.chat ?? [])], 50),
      adjectives: keep('adjectives', c.adjectives, 30, 64),
      topics: keep('topics', c.topics, 50, 128),
      examples: examples.slice(0, 10),
    },
  };
}
