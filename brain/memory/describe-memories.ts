import type { Memory } from './memory-types.ts';

const KIND_ORDER = { fact: 0, episodic: 1, summary: 2 } as const;
const HEADINGS = { fact: 'Facts', episodic: 'Things that happened', summary: 'Conversation summaries' } as const;

/**
 * "What do you remember about me": a readable list of current memories, facts first, each with where it
 * came from (platform, conversation and date). Pure.
 */
export function describeMemories(memories: readonly Memory[]): string {
  if (memories.length === 0) return "I don't remember anything about you yet.";
  const sorted = [...memories].sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || b.validFrom.getTime() - a.validFrom.getTime());
  const lines: string[] = ['Here is what I remember about you:'];
  let kind: Memory['kind'] | undefined;
  for (const m of sorted) {
    if (m.kind !== kind) {
      kind = m.kind;
      lines.push('', `${HEADINGS[kind]}:`);
    }
    lines.push(`- ${m.text} (${whereFrom(m)})`);
  }
  lines.push('', 'Say "forget that", "forget <topic>", "forget everything" or "export my data".');
  return lines.join('\n');
}

/** "told on discord, 3 Mar 2026" */
export function whereFrom(m: Pick<Memory, 'provenance'>): string {
  const day = m.provenance.at.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
  return m.provenance.platform ? `from ${m.provenance.platform}, ${day}` : day;
}
