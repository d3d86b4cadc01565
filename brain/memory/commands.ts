/** A memory command said in chat. */
export type MemoryCommand =
  | { readonly kind: 'list' }
  | { readonly kind: 'forget-last' }
  | { readonly kind: 'forget-topic'; readonly topic: string }
  | { readonly kind: 'forget-all' }
  | { readonly kind: 'export' };

const LIST = [
  /^what (?:do|did) you (?:remember|know|recall) (?:about|of) me$/,
  /^what have you (?:remembered|learned|learnt|stored|saved|got) (?:about|on|of) me$/,
  /^(?:show|tell|list)(?: me)? what you (?:remember|know) about me$/,
  /^(?:show|list)(?: me)? my memories$/,
];
const FORGET_LAST = /^forget (?:that|this|it|what i (?:just )?said|the last thing(?: i said)?)$/;
const FORGET_ALL = /^(?:forget|delete|erase|wipe) (?:everything|all)(?: (?:about|you know about|you remember about|of) me)?$|^(?:forget|delete|erase|wipe) (?:all )?(?:my memories|my data)$|^forget me$/;
const FORGET_TOPIC = /^forget (?:about |that |everything about |what i said about |what i told you about )?(.+)$/;
const EXPORT = /^(?:export|download|send me|give me)(?: all)? my (?:data|memories|information|info)$/;

/**
 * Recognises the memory commands a person may say: "what do you remember about me", "forget that",
 * "forget <topic>", "forget everything", "export my data" (a leading "Helix," / "hey helix", "please",
 * "can you", and end punctuation are allowed). Anything else is `undefined`. Pure.
 */
export function parseMemoryCommand(text: string): MemoryCommand | undefined {
  let t = text.toLowerCase().replaceAll(/[’‘]/g, "'").replaceAll(/\s+/g, ' ').trim();
  t = t.replace(/^(?:@?helix[,:!]?\s+|hey helix[,:!]?\s+)/, '');
  t = t.replace(/[.!?\s]+$/, '');
  t = t.replace(/^(?:please |(?:can|could|would|will) you (?:please )?)/, '').replace(/,? please$/, '').trim();
  if (t.length === 0 || t.length > 200) return undefined;
  if (LIST.some((re) => re.test(t))) return { kind: 'list' };
  if (EXPORT.test(t)) return { kind: 'export' };
  if (FORGET_ALL.test(t)) return { kind: 'forget-all' };
  if (FORGET_LAST.test(t)) return { kind: 'forget-last' };
  const topic = FORGET_TOPIC.exec(t)?.[1]?.trim().replace(/^(?:my|the) /, '');
  if (topic && topic.length >= 2 && !/^(?:it|that|this|me)$/.test(topic)) return { kind: 'forget-topic', topic };
  return undefined;
}
