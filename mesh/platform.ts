import { z } from 'zod';

/** Every surface Helix talks on. `web` is the built-in console. */
export const Platform = z.enum(['web', 'discord', 'slack', 'github', 'x', 'gchat']);
export type Platform = z.infer<typeof Platform>;

/** What a platform's bot can do with an outbound reply; the brain reads this to decide what to send. */
export interface PlatformCapabilities {
  /** The bot renders `draft` replies (partial text while the model streams). */
  readonly drafts: boolean;
  /** Soft length the brain aims for in one reply; bots still split to the hard limit. */
  readonly replyChars: number;
  /** Markdown dialect the bot expects in text parts. */
  readonly markdown: 'commonmark' | 'discord' | 'slack-mrkdwn' | 'github' | 'plain';
}

/**
 * Per-platform capabilities. Lives in the contract because both ends read it: the brain shapes
 * replies to it and each bot enforces its own hard limits (see `bots/<platform>/limits.ts`).
 */
export const PLATFORM_CAPABILITIES = {
  web: { drafts: true, replyChars: 4_000, markdown: 'commonmark' },
  discord: { drafts: false, replyChars: 1_900, markdown: 'discord' },
  slack: { drafts: false, replyChars: 3_500, markdown: 'slack-mrkdwn' },
  github: { drafts: false, replyChars: 6_000, markdown: 'github' },
  x: { drafts: false, replyChars: 560, markdown: 'plain' },
  gchat: { drafts: false, replyChars: 3_500, markdown: 'plain' },
} as const satisfies Record<Platform, PlatformCapabilities>;
