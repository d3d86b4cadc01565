import { z } from 'zod';
import { Platform } from './platform.ts';

/**
 * A job on the brain's `turns` queue: "this conversation has messages waiting". At most one such job
 * is live per conversation (its generation number is kept in the conversation's mailbox), which is
 * what keeps turns of one conversation in order and never two at once.
 */
export const TurnJob = z.object({
  v: z.literal(1),
  platform: Platform,
  /** The conversation id as the platform names it (`ConversationRef.id`). */
  conversationId: z.string().min(1).max(512),
  /** Mailbox generation this job serves. */
  gen: z.number().int().positive(),
});
export type TurnJob = z.infer<typeof TurnJob>;
