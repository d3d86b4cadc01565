import { z } from 'zod';
import type { InboundTurn } from '../../mesh/index.ts';

/** A link/unlink command, validated: what the command stage acts on. */
export const IdentityCommand = z.discriminatedUnion('kind', [
  /** Give me a code (on this account). */
  z.object({ kind: z.literal('link-request') }),
  /** Here is the code I got on my other account. */
  z.object({ kind: z.literal('link-complete'), code: z.string().min(1).max(64) }),
  /** Take my account on `platform` out of my person (no platform: say how). */
  z.object({ kind: z.literal('unlink'), platform: z.string().min(1).max(32).optional() }),
]);
export type IdentityCommand = z.infer<typeof IdentityCommand>;

/** `@helix ` or `<@123> ` at the start (GitHub and others keep the mention in the text). */
const LEADING_MENTION = /^\s*(?:@[\w.-]+|<@!?\w+>)[\s,:]*/;
/** "link", "/link", "link ABCD-EFGH", "/link code:ABCD-EFGH" (an optional trailing "." or "!"). */
const LINK = /^(\/)?link(?:\s+(?:code:\s*)?(\S+))?\s*[.!]?$/i;
/** "unlink", "/unlink", "unlink discord". */
const UNLINK = /^\/?unlink(?:\s+(\S+))?\s*[.!]?$/i;
/** A bare "link <word>" counts as a code attempt only when the word looks like one (else it is chat, for the model). */
const CODE_LIKE = /^(?=.*[\d-])[A-Za-z0-9-]{6,32}$/;

/**
 * The identity command a message carries, if any: the explicit command on the envelope (a slash command)
 * first, else the plain-text forms that work on every platform. Deterministic, no model.
 */
export function identityCommandOf(turn: Pick<InboundTurn, 'text' | 'command'>): IdentityCommand | undefined {
  const found = commandIn(turn);
  if (!found) return undefined;
  const parsed = IdentityCommand.safeParse(found);
  return parsed.success ? parsed.data : undefined;
}

function commandIn(turn: Pick<InboundTurn, 'text' | 'command'>): IdentityCommand | undefined {
  if (turn.command?.name === 'link') {
    const code = turn.command.args.code?.trim();
    return code ? { kind: 'link-complete', code: code.slice(0, 64) } : { kind: 'link-request' };
  }
  if (turn.command?.name === 'unlink') {
    const platform = turn.command.args.platform?.trim().toLowerCase();
    return platform ? { kind: 'unlink', platform: platform.slice(0, 32) } : { kind: 'unlink' };
  }
  if (turn.command) return undefined;
  const text = turn.text.replace(LEADING_MENTION, '').trim();
  if (text.length > 80) return undefined;
  const link = LINK.exec(text);
  if (link) {
    const [, slash, arg] = link;
    if (!arg) return { kind: 'link-request' };
    if (slash || CODE_LIKE.test(arg)) return { kind: 'link-complete', code: arg };
    return undefined;
  }
  const unlink = UNLINK.exec(text);
  if (unlink) return unlink[1] ? { kind: 'unlink', platform: unlink[1].toLowerCase() } : { kind: 'unlink' };
  return undefined;
}
