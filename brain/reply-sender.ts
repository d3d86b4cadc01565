import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  OutboundReply, childTraceparent, outboundJobOptions, outboundQueue, PLATFORM_CAPABILITIES,
  type JobRetentionOptions, type OutboundReplyInput, type Platform, type Traceparent, type ConversationRef,
} from '../mesh/index.ts';

/** What a reply needs besides its text. */
export interface ReplyTarget {
  platform: Platform;
  conversation: ConversationRef;
  replyId: string;
  inReplyTo: string | undefined;
  traceparent: Traceparent;
}

/** Puts replies on `outbound-<platform>`, parsed against the contract first. Finals are deduplicated by reply id. */
export class ReplySender {
  readonly #connection: Redis;
  readonly #prefix: string;
  readonly #retention: JobRetentionOptions;
  readonly #queues = new Map<Platform, Queue>();
  #closing: Promise<void> | undefined;

  constructor(connection: Redis, prefix: string, retention: JobRetentionOptions) {
    this.#connection = connection;
    this.#prefix = prefix;
    this.#retention = retention;
  }

  /** Enqueues the final reply; a second call with the same reply id is a no-op (BullMQ job id). */
  async final(target: ReplyTarget, parts: string[], extra: Pick<OutboundReplyInput, 'embeds' | 'buttons' | 'speak' | 'private'> = {}): Promise<void> {
    const reply = this.#build(target, 'final', 0, parts, extra);
    await this.#queue(target.platform).add('reply', reply, outboundJobOptions(target.replyId, 'final', this.#retention));
  }

  /** A draft is best effort: the final reply supersedes it; only sent to platforms that show drafts. */
  draftSink(target: ReplyTarget, onError: (err: unknown) => void): ((text: string) => void) | undefined {
    if (!PLATFORM_CAPABILITIES[target.platform].drafts) return undefined;
    let seq = 0;
    return (text) => {
      seq += 1;
      const reply = this.#build(target, 'draft', seq, [text], {});
      this.#queue(target.platform).add('draft', reply, outboundJobOptions(`${target.replyId}-d${seq}`, 'draft', this.#retention)).catch(onError);
    };
  }

  #build(target: ReplyTarget, kind: 'final' | 'draft', seq: number, parts: string[], extra: Pick<OutboundReplyInput, 'embeds' | 'buttons' | 'speak' | 'private'>): OutboundReply {
    return OutboundReply.parse({
      v: 1,
      platform: target.platform,
      replyId: target.replyId,
      kind,
      seq,
      conversation: target.conversation,
      inReplyTo: target.inReplyTo,
      parts,
      ...extra,
      traceparent: childTraceparent(target.traceparent),
      createdAt: new Date().toISOString(),
    } satisfies OutboundReplyInput);
  }

  #queue(platform: Platform): Queue {
    let q = this.#queues.get(platform);
    if (!q) {
      q = new Queue(outboundQueue(platform), { connection: this.#connection, prefix: this.#prefix });
      // Connection errors surface on the add() that hits them; the owner's Redis client logs the outage.
      q.on('error', () => {});
      this.#queues.set(platform, q);
    }
    return q;
  }

  /** The outbound queues opened so far (for depth metrics). */
  queues(): Queue[] {
    return [...this.#queues.values()];
  }

  close(): Promise<void> {
    this.#closing ??= Promise.allSettled([...this.#queues.values()].map((q) => q.close())).then(() => undefined);
    return this.#closing;
  }
}
