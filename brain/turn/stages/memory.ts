import { accountKey, type Identity, type PersonId } from '../../../identity/index.ts';
import type { InboundTurn, MemoryConsolidationJob } from '../../../mesh/index.ts';
import {
  describeMemories, parseMemoryCommand, pendingConsolidation, rememberMessage, renderMemoriesForPrompt,
  type AccountsOf, type MemoryCommand, type MemoryStore,
} from '../../memory/index.ts';
import type { TurnContext, TurnStage } from '../turn-context.ts';

/** Longest export sent in chat; beyond it the person is told to ask for it in a DM of the web console. */
const EXPORT_MAX_CHARS = 50_000;

/** Person → platform accounts, as memory's continuity and export want them. */
export function accountsOfFrom(identity: Identity): AccountsOf {
  return async (personId) => (await identity.people.accountsOf(personId as PersonId)).map((a) => ({ platform: a.platform, accountId: a.accountId }));
}

/** Accounts looked up during a turn, per person: recall and remember both want them, the store is asked once. */
const turnAccounts = new WeakMap<TurnContext, Map<string, ReturnType<AccountsOf>>>();

/** `accountsOf` answered at most once per person and turn (links and unlinks happen before recall, in identity-commands). */
function accountsOfForTurn(ctx: TurnContext, accountsOf: AccountsOf): AccountsOf {
  let known = turnAccounts.get(ctx);
  if (!known) turnAccounts.set(ctx, (known = new Map()));
  const memo = known;
  return (personId) => {
    let accounts = memo.get(personId);
    if (!accounts) {
      accounts = accountsOf(personId);
      memo.set(personId, accounts);
      // A failed look-up is not kept: a later stage asks again.
      accounts.catch(() => memo.delete(personId));
    }
    return accounts;
  };
}

/**
 * True when the person has one account and this turn read that it has spoken in no other conversation: there is
 * nothing elsewhere to recall, and no statement is spent looking (most people talk to Helix in one place).
 */
async function onlyHere(ctx: TurnContext, person: PersonId, accountsOf: AccountsOf): Promise<boolean> {
  if (!ctx.authorsOnlyHere?.size) return false;
  const accounts = await accountsOf(person);
  return accounts.length === 1 && ctx.authorsOnlyHere.has(accountKey(accounts[0]!));
}

/** The person who spoke a turn (resolved earlier by resolve-person). */
function speakerOf(ctx: TurnContext, turn: InboundTurn): PersonId | undefined {
  return ctx.people.get(accountKey({ platform: turn.platform, accountId: turn.author.accountId }));
}

/**
 * Answers "what do you remember about me", "forget that / <topic> / everything" and "export my data"
 * without the model, each for its own speaker only. The export is sent only where just the asker sees it.
 */
export function memoryCommands(memory: MemoryStore, accountsOf: AccountsOf): TurnStage {
  return {
    name: 'memory-commands',
    async run(ctx) {
      if (ctx.directReply !== undefined) return;
      const found = ctx.turns.map((t) => [t, parseMemoryCommand(t.text)] as const).filter((x): x is readonly [InboundTurn, MemoryCommand] => x[1] !== undefined);
      if (found.length === 0) return;
      if (ctx.recordedReply !== undefined) {
        // A retry after the answer was recorded: re-send it, never forget twice.
        ctx.directReply = ctx.recordedReply;
        return;
      }
      const privately = found.some(([t]) => t.command !== undefined) || ctx.conversation.kind === 'dm';
      ctx.replyPrivate ||= found.some(([t]) => t.command !== undefined);
      const answers: string[] = [];
      for (const [turn, command] of found) {
        const person = speakerOf(ctx, turn);
        if (!person) continue;
        answers.push(await answer(memory.forPerson(person), command, privately, ctx.now));
        ctx.log.info({ command: command.kind }, 'memory command answered');
      }
      if (answers.length) ctx.directReply = answers.join('\n\n');
    },
  };

  async function answer(person: ReturnType<MemoryStore['forPerson']>, command: MemoryCommand, privately: boolean, now: Date): Promise<string> {
    switch (command.kind) {
      case 'list':
        // What Helix knows of someone is theirs: in a shared channel, say where to ask instead.
        if (!privately) return 'I keep what you tell me private, so ask me that in a direct message.';
        return describeMemories(await person.current());
      case 'forget-last': {
        const r = await person.forgetLast();
        return r.deleted ? `Forgotten: ${r.texts.map((t) => `"${t}"`).join(', ')}.` : 'There was nothing recent to forget.';
      }
      case 'forget-topic': {
        const r = await person.forgetTopic(command.topic);
        return r.deleted ? `Forgotten ${r.deleted} thing${r.deleted === 1 ? '' : 's'} about "${command.topic}".` : `I had nothing about "${command.topic}".`;
      }
      case 'forget-all': {
        const r = await person.forgetAll(now);
        return `Done: I forgot everything you told me (${r.deleted} memor${r.deleted === 1 ? 'y' : 'ies'}).`;
      }
      case 'export': {
        if (!privately) return 'Your data is yours: ask me for the export in a direct message and I will send it there.';
        const json = JSON.stringify(await person.exportData(accountsOf, now), null, 2);
        if (json.length > EXPORT_MAX_CHARS) return `Your export is ${json.length} characters, too long for one chat; ask for it in the web console.`;
        return `Here is everything I hold about you:\n\`\`\`json\n${json}\n\`\`\``;
      }
    }
  }
}

/**
 * Recalls what the person Helix is answering (the burst's last speaker) told it, and their recent exchanges
 * on other platforms, as a quoted data block. Only that person's memories: in a shared channel nobody else's
 * facts reach the prompt, so the reply cannot carry them.
 */
export function recallMemories(memory: MemoryStore, accountsOf: AccountsOf): TurnStage {
  return {
    name: 'recall',
    async run(ctx) {
      if (ctx.directReply !== undefined) return;
      const last = ctx.turns.at(-1);
      const person = last && speakerOf(ctx, last);
      if (!last || !person) return;
      const mine = memory.forPerson(person);
      const query = ctx.turns.filter((t) => t.author.accountId === last.author.accountId).map((t) => t.text).join('\n');
      const accounts = accountsOfForTurn(ctx, accountsOf);
      // Someone met in this very turn has no memories yet (they are written after the reply), and record-incoming
      // read whether anyone else holds any: no search for a person with nothing to find.
      const nothingToFind = ctx.newPeople?.has(person) || ctx.authorsWithoutMemories?.has(accountKey({ platform: last.platform, accountId: last.author.accountId }));
      const [recalled, recent] = await Promise.all([
        nothingToFind ? [] : mine.recall(query),
        onlyHere(ctx, person, accounts).then((here) => (here ? [] : mine.continuity(accounts).recentContext({ exceptConversation: { platform: ctx.platform, conversationId: ctx.conversation.id } }))),
      ]);
      const content = renderMemoriesForPrompt(recalled, recent);
      if (content) ctx.blocks.push({ title: `What you remember about ${last.author.displayName}`, kind: 'data', content });
    },
  };
}

export interface RememberTurnsOptions {
  accountsOf: AccountsOf;
  /** A person's new messages in one conversation that call for a consolidation job. */
  everyMessages: number;
  enqueue(job: MemoryConsolidationJob): Promise<void>;
}

/**
 * Writes each message of the burst to its speaker's memory (facts it states, an episodic note), with
 * provenance; once a speaker has `everyMessages` messages here not yet consolidated, queues a consolidation.
 */
export function rememberTurns(memory: MemoryStore, opts: RememberTurnsOptions): TurnStage {
  return {
    name: 'remember',
    async run(ctx) {
      if (ctx.directReply !== undefined) return;
      const { maxMemoryChars } = memory.deps.options;
      const speakers = new Set<PersonId>();
      for (const turn of ctx.turns) {
        const person = speakerOf(ctx, turn);
        if (!person || !turn.text.trim()) continue;
        speakers.add(person);
        // Too long to keep whole: memory refuses it rather than cutting someone's words.
        if (turn.text.length > maxMemoryChars) continue;
        await rememberMessage(memory.forPerson(person), turn.text, { platform: turn.platform, conversationId: ctx.conversation.id, eventId: turn.eventId, at: new Date(turn.receivedAt) }, maxMemoryChars);
      }
      // A conversation holding fewer user messages than the threshold cannot reach it for any speaker: no count.
      if (ctx.conversationUserMessages !== undefined && ctx.conversationUserMessages < opts.everyMessages) return;
      for (const personId of speakers) {
        const req = { personId, platform: ctx.platform, conversationId: ctx.conversation.id };
        if ((await pendingConsolidation(memory, req, accountsOfForTurn(ctx, opts.accountsOf))) < opts.everyMessages) continue;
        await opts.enqueue({ ...req, reason: 'threshold', requestedAt: ctx.now.toISOString() });
      }
    },
  };
}
