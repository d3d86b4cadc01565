import { accountKey, type Identity } from '../../../identity/index.ts';
import type { Counter, InboundTurn } from '../../../mesh/index.ts';
import { COMMAND_REPLIES } from '../../identity/command-replies.ts';
import { identityCommandOf, type IdentityCommand } from '../../identity/identity-command.ts';
import type { TurnContext, TurnStage } from '../turn-context.ts';

export interface IdentityCommandsOptions {
  /** Lifetime of a link code, for the reply's wording. */
  codeTtlMs: number;
  platforms: readonly string[];
  /** `helix_identity_commands_total{command, outcome}`. */
  commands?: Counter<'command' | 'outcome'>;
}

/**
 * Answers link / unlink without the model: every command message of the burst is acted on in order (each by
 * its own speaker) and the answers become the reply. A code is only ever given where just the asker sees it.
 */
export function identityCommands(identity: Identity, opts: IdentityCommandsOptions): TurnStage {
  return {
    name: 'identity-commands',
    async run(ctx) {
      const found = ctx.turns.map((t) => [t, identityCommandOf(t)] as const).filter((x): x is readonly [InboundTurn, IdentityCommand] => x[1] !== undefined);
      if (found.length === 0) return;
      // Answer privately when asked through an explicit command (a slash command can be answered ephemerally).
      ctx.replyPrivate = found.some(([t]) => t.command !== undefined);
      if (ctx.recordedReply !== undefined) {
        // A retry after the answer was recorded: re-send it, never act twice (a code is used once).
        ctx.directReply = ctx.recordedReply;
        return;
      }
      const answers: string[] = [];
      let gaveCode = false;
      for (const [turn, command] of found) {
        const { text, outcome, code } = await answer(ctx, turn, command);
        answers.push(text);
        gaveCode ||= code;
        opts.commands?.inc({ command: command.kind, outcome });
        ctx.log.info({ command: command.kind, outcome }, 'identity command answered');
      }
      ctx.directReply = answers.join('\n\n');
      if (gaveCode) ctx.historyText = COMMAND_REPLIES.codeRedacted;
    },
  };

  async function answer(ctx: TurnContext, turn: InboundTurn, command: IdentityCommand): Promise<{ text: string; outcome: string; code: boolean }> {
    const account = { platform: turn.platform, accountId: turn.author.accountId };
    // Read afresh, not from the cache: another brain may have linked or unlinked this account moments ago.
    const person = (await identity.people.lookup(account)) ?? (await identity.people.resolve(account));
    const privately = turn.command !== undefined || ctx.conversation.kind === 'dm';
    switch (command.kind) {
      case 'link-request': {
        if (!privately) return { text: COMMAND_REPLIES.codeOnlyPrivately, outcome: 'not_private', code: false };
        const { code } = await identity.linking.requestCode(person, account, ctx.now);
        return { text: COMMAND_REPLIES.codeGiven(code, Math.round(opts.codeTtlMs / 60_000)), outcome: 'code_given', code: true };
      }
      case 'link-complete': {
        const result = await identity.linking.link(account, command.code, ctx.now);
        if (!result.ok) return { text: COMMAND_REPLIES.refused[result.reason], outcome: result.reason, code: false };
        ctx.people.set(accountKey(account), result.into);
        return { text: privately ? COMMAND_REPLIES.linked(result.accounts) : COMMAND_REPLIES.linkedInGroup, outcome: 'linked', code: false };
      }
      case 'unlink': {
        if (!command.platform) return { text: COMMAND_REPLIES.unlinkHow(opts.platforms), outcome: 'usage', code: false };
        const result = await identity.linking.unlink(account, command.platform, ctx.now);
        if (!result.ok) return { text: COMMAND_REPLIES.unlinkRefused[result.reason](opts.platforms), outcome: result.reason, code: false };
        for (const m of result.moved) ctx.people.set(accountKey(m.account), m.person);
        return { text: COMMAND_REPLIES.unlinked(command.platform, result.remaining), outcome: 'unlinked', code: false };
      }
    }
  }
}
