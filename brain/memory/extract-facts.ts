/** A fact found in what a person said: what it is about (`key`) and how Helix states it (third person). */
export interface ExtractedFact {
  readonly key: string;
  readonly text: string;
}

const PETS = 'dog|cat|puppy|kitten|rabbit|bunny|hamster|parrot|bird|horse|fish|turtle|tortoise|snake|lizard|guinea pig|ferret';
/** A value: up to the end of the clause. */
const VALUE = String.raw`([^.,;!?\n]+?)`;
const END = String.raw`(?=\s*(?:[.,;!?\n]|\band\b|\bbut\b|\bbecause\b|\bso\b|$))`;
const NAME = String.raw`([\p{Lu}][\p{L}'-]*(?:\s[\p{Lu}][\p{L}'-]*)?)`;

interface Pattern {
  re: RegExp;
  fact(m: RegExpExecArray): ExtractedFact | undefined;
}

const slug = (s: string) => s.toLowerCase().replaceAll(/[^a-z0-9]+/g, '_').replaceAll(/^_|_$/g, '').slice(0, 40);
const clean = (s: string) => s.trim().replace(/\s+/g, ' ');
/** A name: its first word, and a second only when capitalised (`i` flags make \\p{Lu} match any letter). */
const nameOf = (s: string) => {
  const [first = '', second] = clean(s).split(' ');
  return second && /^\p{Lu}/u.test(second) ? `${first} ${second}` : first;
};
const petKey = (p: string) => (p === 'puppy' ? 'dog' : p === 'kitten' ? 'cat' : p === 'bunny' ? 'rabbit' : p.replace(' ', '_'));

/** Checked in order; the first pattern that matches a span wins it. */
const PATTERNS: Pattern[] = [
  { re: new RegExp(String.raw`\b(?:please\s+)?call me ${NAME}`, 'giu'), fact: (m) => ({ key: 'name', text: `prefers to be called ${nameOf(m[1]!)}` }) },
  { re: new RegExp(String.raw`\bmy name is ${NAME}`, 'giu'), fact: (m) => ({ key: 'name', text: `is called ${nameOf(m[1]!)}` }) },
  {
    re: new RegExp(String.raw`\bi (?:have|have got|got|own|adopted) an? (?:new )?(?:little )?(${PETS}) (?:called|named) ${NAME}`, 'giu'),
    fact: (m) => ({ key: `${petKey(m[1]!.toLowerCase())}.name`, text: `has a ${m[1]!.toLowerCase()} called ${nameOf(m[2]!)}` }),
  },
  {
    re: new RegExp(String.raw`\bmy (${PETS})(?:'s name is| is called| is named) ${NAME}`, 'giu'),
    fact: (m) => ({ key: `${petKey(m[1]!.toLowerCase())}.name`, text: `has a ${m[1]!.toLowerCase()} called ${nameOf(m[2]!)}` }),
  },
  {
    re: new RegExp(String.raw`\bi(?:'m| am)? (?:start(?:ing)?|will start|begin(?:ning)?) (?:a |my )?new job (?:at [^.,;!?\n]+? )?(on|in|next) ${VALUE}${END}`, 'giu'),
    fact: (m) => ({ key: 'job.start', text: `starts a new job ${m[1]!.toLowerCase()} ${clean(m[2]!)}` }),
  },
  {
    re: new RegExp(String.raw`\bmy new job starts (on|in|next) ${VALUE}${END}`, 'giu'),
    fact: (m) => ({ key: 'job.start', text: `starts a new job ${m[1]!.toLowerCase()} ${clean(m[2]!)}` }),
  },
  { re: new RegExp(String.raw`\bi(?:'ve| have)? (?:just )?moved to ${VALUE}${END}`, 'giu'), fact: (m) => ({ key: 'home', text: `lives in ${clean(m[1]!)}` }) },
  { re: new RegExp(String.raw`\bi(?:'m| am)? (?:now )?(?:live|living|based) in ${VALUE}${END}`, 'giu'), fact: (m) => ({ key: 'home', text: `lives in ${clean(m[1]!)}` }) },
  { re: new RegExp(String.raw`\bi work (?:at|for) ${VALUE}${END}`, 'giu'), fact: (m) => ({ key: 'work.employer', text: `works at ${clean(m[1]!)}` }) },
  { re: new RegExp(String.raw`\bi work as an? ${VALUE}${END}`, 'giu'), fact: (m) => ({ key: 'work.role', text: `works as a ${clean(m[1]!)}` }) },
  { re: new RegExp(String.raw`\bi(?:'m| am) (\d{1,3}) years? old\b`, 'giu'), fact: (m) => ({ key: 'age', text: `is ${m[1]} years old` }) },
  {
    re: new RegExp(String.raw`\bmy ((?:[a-z]+ ){0,2}?[a-z]+)('s| is| are) ${VALUE}${END}`, 'giu'),
    fact: (m) => {
      const what = clean(m[1]!.toLowerCase());
      const verb = m[2]!.trim().toLowerCase() === 'are' ? 'are' : 'is';
      const value = clean(m[3]!);
      if (/^(?:name|bad|fault|pleasure|turn|point|question|problem|guess|mind|head|day)$/.test(what) || /^(?:not|so|very|too|a bit|kind of|just|really|fine|ok|okay|good|bad)\b/i.test(value)) return undefined;
      return { key: slug(what), text: `${what} ${verb} ${value}` };
    },
  },
];

/**
 * Deterministic fact extraction (the fallback when no language model is configured): patterns such as
 * "my X is Y", "I have a dog called Juno", "I start a new job on 3 March", "I live in …", "I moved to …",
 * "call me …", "my name is …", "I work at/as …", "I'm N years old". Questions are skipped. Pure.
 */
export function extractFacts(text: string): ExtractedFact[] {
  const out: ExtractedFact[] = [];
  for (const sentence of text.split(/(?<=[.!?\n])\s+/)) {
    if (/\?\s*$/.test(sentence)) continue; // "is my dog called Juno?" asks; it does not tell
    const taken: Array<[number, number]> = [];
    for (const p of PATTERNS) {
      p.re.lastIndex = 0;
      for (let m = p.re.exec(sentence); m; m = p.re.exec(sentence)) {
        const [start, end] = [m.index, m.index + m[0].length];
        if (taken.some(([s, e]) => start < e && end > s)) continue;
        const fact = p.fact(m);
        if (!fact || fact.text.length > 200) continue;
        taken.push([start, end]);
        out.push(fact);
      }
    }
  }
  // One fact per key per message: the last said wins ("my dog is Rex, no, my dog is called Juno").
  return [...new Map(out.map((f) => [f.key, f])).values()];
}
