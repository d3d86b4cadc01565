import type { AccountRef, LinkRefusal, UnlinkRefusal } from '../../identity/index.ts';

/** What Helix says to link and unlink commands: fixed words, no model. */
export const COMMAND_REPLIES = {
  codeGiven: (code: string, minutes: number) =>
    `Your link code is \`${code}\`. Within ${minutes} minutes, say \`link ${code}\` to me from your other account (on any platform) and I'll know both are you. It works once; don't share it.`,
  codeOnlyPrivately:
    "I only give link codes privately. Send me `link` in a direct message (or use the /link command) and I'll give you one there.",
  linked: (accounts: readonly AccountRef[]) => `Linked! I now know you as one person on ${platformList(accounts)}.`,
  linkedInGroup: "Linked! I'll recognise you on both accounts now.",
  refused: {
    code_malformed: "That doesn't look like a link code. A code is 8 letters and digits, like `ABCD-EFGH`; ask for one by saying `link` on your other account.",
    code_unknown: "I don't know that code. Check it, or ask for a new one by saying `link` on your other account.",
    code_expired: 'That code has expired. Ask for a new one by saying `link` on your other account.',
    code_used: 'That code was already used: each code works once. Ask for a new one by saying `link`.',
    same_account: 'That code was given to this very account. Say it from your other account to link the two.',
    already_linked: 'This account is already linked with the one that asked for that code: nothing to do.',
    both_linked: "Both accounts are already linked with others, so I won't merge them. Unlink one side first (`unlink <platform>`), then link again.",
    too_many_attempts: 'Too many wrong codes from this account. Please wait a few minutes and try again.',
  } satisfies Record<LinkRefusal, string>,
  unlinked: (platform: string, remaining: readonly AccountRef[]) =>
    `Done: your ${platform} account is no longer linked. I'll treat it as someone new; what you shared stays with your account${remaining.length > 1 ? 's' : ''} on ${platformList(remaining)}.`,
  unlinkHow: (platforms: readonly string[]) => `Say \`unlink <platform>\` to unlink your account there (one of: ${platforms.join(', ')}).`,
  unlinkRefused: {
    platform_unknown: (platforms: readonly string[]) => `I don't know that platform. Say \`unlink <platform>\` with one of: ${platforms.join(', ')}.`,
    not_linked: () => "This account isn't linked with any other, so there's nothing to unlink.",
    no_account_there: () => "You have no linked account there, so there's nothing to unlink.",
    nothing_left: () => 'All your linked accounts are on that platform; unlink them one by one from the accounts themselves.',
  } satisfies Record<UnlinkRefusal, (platforms: readonly string[]) => string>,
  /** Recorded in history instead of a reply that held a code (the code never reaches the store). */
  codeRedacted: '(Helix gave a one-time link code privately.)',
} as const;

function platformList(accounts: readonly AccountRef[]): string {
  const names = [...new Set(accounts.map((a) => a.platform))];
  return names.length <= 1 ? (names[0] ?? 'this platform') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}
