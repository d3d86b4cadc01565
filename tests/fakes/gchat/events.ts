// Google Chat app interaction events (the classic HTTP envelope), as Chat posts them.
// @see https://developers.google.com/workspace/chat/api/reference/rest/v1/Event
import { randomBytes } from 'node:crypto';

export interface ChatUserShape {
  name: string;
  displayName: string;
  type: 'HUMAN' | 'BOT';
}

export const ALICE: ChatUserShape = { name: 'users/111111111111111111111', displayName: 'Alice Example', type: 'HUMAN' };
export const HELIX_APP: ChatUserShape = { name: 'users/app-helix', displayName: 'Helix', type: 'BOT' };

const id = () => randomBytes(8).toString('base64url').replace(/[-_]/g, 'x');

export interface MessageEventOptions {
  space: string;
  /** A one-to-one DM with the app (spaceType DIRECT_MESSAGE), else a space (SPACE). @defaultValue `false` */
  dm?: boolean;
  text: string;
  /** When the app is @mentioned in a space: the text with the mention cut (Chat fills it). */
  mentionApp?: boolean;
  sender?: ChatUserShape;
  /** The thread's name; a new one when unset. */
  thread?: string;
  type?: 'MESSAGE' | 'ADDED_TO_SPACE';
}

/** A MESSAGE event (or ADDED_TO_SPACE carrying the @mention that added the app). */
export function messageEvent(opts: MessageEventOptions): Record<string, unknown> {
  const sender = opts.sender ?? ALICE;
  const messageName = `${opts.space}/messages/${id()}.${id()}`;
  const thread = opts.thread ?? `${opts.space}/threads/${id()}`;
  const mention = opts.mentionApp ? `@${HELIX_APP.displayName} ` : '';
  const text = `${mention}${opts.text}`;
  const now = new Date().toISOString();
  return {
    type: opts.type ?? 'MESSAGE',
    eventTime: now,
    space: opts.dm
      ? { name: opts.space, type: 'DM', spaceType: 'DIRECT_MESSAGE', singleUserBotDm: true }
      : { name: opts.space, type: 'ROOM', spaceType: 'SPACE', displayName: 'Team space' },
    message: {
      name: messageName,
      sender,
      createTime: now,
      text,
      argumentText: opts.mentionApp ? ` ${opts.text}` : opts.text,
      thread: { name: thread },
      space: { name: opts.space },
      ...(opts.mentionApp ? { annotations: [{ type: 'USER_MENTION', startIndex: 0, length: mention.length - 1, userMention: { user: HELIX_APP, type: 'MENTION' } }] } : {}),
    },
    user: sender,
    common: { hostApp: 'CHAT' },
  };
}

/** A lifecycle event without a message (ADDED_TO_SPACE, REMOVED_FROM_SPACE) or a card click. */
export function spaceEvent(type: 'ADDED_TO_SPACE' | 'REMOVED_FROM_SPACE' | 'CARD_CLICKED', space: string, dm = false): Record<string, unknown> {
  return {
    type,
    eventTime: new Date().toISOString(),
    space: dm ? { name: space, type: 'DM', spaceType: 'DIRECT_MESSAGE', singleUserBotDm: true } : { name: space, type: 'ROOM', spaceType: 'SPACE' },
    user: ALICE,
    ...(type === 'CARD_CLICKED' ? { action: { actionMethodName: 'noop' }, common: { invokedFunction: 'noop' } } : {}),
  };
}
