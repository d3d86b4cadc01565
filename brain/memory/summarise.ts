import { tokenize } from './embedders/local-hash.ts';

const STOP = new Set('a an and are as at be but by do for from has have i im in is it its me my of on or so that the this to was we with you ok okay yes no yeah lol haha thanks hi hello hey'.split(' '));

/**
 * Extractive summary (the fallback when no language model is configured): splits the person's messages
 * into sentences, scores each by how often its content words recur across the whole span (divided by the
 * square root of its length, so long sentences don't win by size), skips questions and sentences under
 * four words, and keeps the best `sentences` in their original order. Deterministic and pure.
 */
export function extractiveSummary(messages: readonly string[], sentences: number, maxChars = 2_000): string {
  const all = messages.flatMap((m) => m.split(/(?<=[.!?])\s+|\n+/)).map((s) => s.trim()).filter(Boolean);
  const words = all.map((s) => tokenize(s).filter((w) => !STOP.has(w) && w.length > 1));
  const freq = new Map<string, number>();
  for (const ws of words) for (const w of new Set(ws)) freq.set(w, (freq.get(w) ?? 0) + 1);
  const scored = all.map((s, i) => {
    const ws = words[i]!;
    const question = /\?$/.test(s);
    const score = ws.length < 3 || tokenize(s).length < 4 || question ? -1 : ws.reduce((acc, w) => acc + (freq.get(w) ?? 0), 0) / Math.sqrt(ws.length);
    return { s, i, score };
  });
  const best = scored.filter((x) => x.score > 0).sort((a, b) => b.score - a.score || a.i - b.i).slice(0, sentences).sort((a, b) => a.i - b.i);
  const seen = new Set<string>();
  const picked = best.map((b) => b.s).filter((s) => !seen.has(s.toLowerCase()) && seen.add(s.toLowerCase()));
  const text = picked.join(' ');
  return text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text;
}
