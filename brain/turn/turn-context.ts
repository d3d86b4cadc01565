import type { ConversationRef, InboundTurn, Logger, Platform } from '../../mesh/index.ts';
import type { Appraisal, PersonId } from '../../identity/index.ts';
import type { ConversationLogEntry } from '../../store/index.ts';
import type { ChatMessage } from '../llm/provider.ts';

/**
 * A block of context for the system prompt. `instructions` come from Helix itself (persona, platform
 * rules); `data` blocks (memories, alerts, fetched pages) are quoted and the model is told they are
 * information, never instructions.
 */
export interface PromptBlock {
  readonly title: string;
  readonly kind: 'instructions' | 'data';
  readonly content: string;
}

/** Everything one turn carries from stage to stage. */
export interface TurnContext {
  /** The burst being answered, oldest first (one or more messages). */
  readonly turns: readonly InboundTurn[];
  readonly platform: Platform;
  readonly conversation: ConversationRef;
  /** Stable id of this turn's reply: the outbound dedupe key and the history entry's event id. */
  readonly replyId: string;
  readonly log: Logger;
  readonly signal: AbortSignal;
  readonly now: Date;
  /** Recent conversation before this burst, oldest first. */
  history: ConversationLogEntry[];
  /**
   * How many user messages the whole conversation holds, this burst included, when load-history read all of it
   * (it got fewer entries than it asked for); unset when the conversation is longer than the read.
   */
  conversationUserMessages?: number;
  /** A reply already recorded by an earlier attempt of this turn: reused, never regenerated. */
  recordedReply: string | undefined;
  blocks: PromptBlock[];
  messages: ChatMessage[];
  replyText: string;
  replyParts: string[];
  /** Where streaming text goes while the model writes (drafts for platforms that show them). */
  onDraft: ((textSoFar: string) => void) | undefined;
  /**
   * Authors of the burst (by `accountKey`) known to have spoken in no other conversation, as record-incoming
   * read it with its write; unset when not read. Recall does not look elsewhere for a person whose only account
   * is one of them.
   */
  authorsOnlyHere?: ReadonlySet<string>;
  /**
   * Authors of the burst (by `accountKey`) whose person held no current memory when record-incoming read it with
   * its write; unset when not read. Recall does not search the memories of someone listed here.
   */
  authorsWithoutMemories?: ReadonlySet<string>;
  /** The person behind each author of the burst, by `accountKey` (a group burst keeps every speaker). */
  people: Map<string, PersonId>;
  /**
   * People this turn created (the first message of an account never seen): Helix remembers nothing of them yet,
   * so recall does not search their memories. Unset when nobody is new.
   */
  newPeople?: Set<PersonId>;
  /** A reply decided without the model (a command's answer): generation is skipped. */
  directReply: string | undefined;
  /** What history records instead of the reply text (a link code never reaches the store). */
  historyText: string | undefined;
  /** Only the asker may see the reply (OutboundReply `private`). */
  replyPrivate: boolean;
  /** One appraisal per message of the burst, aligned with `turns` (empty when not appraised). */
  appraisals: Appraisal[];
}

/** One named step of the turn loop. Later stages (identity, recall, emotion) plug in as more of these. */
export interface TurnStage {
  readonly name: string;
  run(ctx: TurnContext): Promise<void>;
}
