import type { TwitterApi } from 'twitter-api-v2';
import { monotonicNow, newTraceparent, type CursorStore, type Logger } from '../../mesh/index.ts';
import { DM_PAGE_SIZE, MAX_PAGES_PER_POLL } from './limits.ts';
import { dmEventToTurn, type XIdentity, type XUser } from './normalize.ts';
import type { TurnIntake } from './turn-intake.ts';
import type { XRateLimit } from './x-errors.ts';
import { getPage, idOf, isNewer, oldestFirst } from './x-page.ts';

export interface DmPollDeps {
  client: TwitterApi;
  me: XIdentity;
  cursors: CursorStore;
  intake: TurnIntake;
  log: Logger;
}

/** The cursor holding the newest DM event already queued for this account. */
export const dmCursor = (userId: string) => `x-dms-${userId}`;

const QUERY = {
  event_types: 'MessageCreate',
  'dm_event.fields': 'id,text,event_type,created_at,sender_id,dm_conversation_id',
  expansions: 'sender_id',
  'user.fields': 'username,name',
} as const;

/**
 * One poll of `GET /2/dm_events` (newest first, no `since_id`): pages are read until an event at or
 * below the cursor shows up, the new ones go onto `inbound` oldest first, then the cursor moves.
 * Same order of operations and first-start rule as {@link pollMentions}.
 * @see https://docs.x.com/x-api/direct-messages/lookup/introduction
 */
export async function pollDms(deps: DmPollDeps): Promise<XRateLimit | undefined> {
  const { client, me, cursors, log } = deps;
  const name = dmCursor(me.id);
  const cursor = await cursors.get(name);
  if (cursor === undefined) {
    const first = await getPage(client, 'dm_events', {}, { ...QUERY, max_results: DM_PAGE_SIZE });
    const newest = first.items.map(idOf).reduce<string | undefined>((a, b) => (b !== undefined && isNewer(b, a) ? b : a), undefined);
    await cursors.advance(name, newest ?? '0');
    log.info({ cursor: newest ?? '0' }, 'first start on this account: earlier DMs are left unanswered; answering new ones from now on');
    return first.rateLimit;
  }
  const items: unknown[] = [];
  const users = new Map<string, XUser>();
  let newest: string | undefined;
  let token: string | undefined;
  let rate: XRateLimit | undefined;
  let complete = false;
  for (let page = 0; page < MAX_PAGES_PER_POLL && !complete; page++) {
    const p = await getPage(client, 'dm_events', {}, { ...QUERY, max_results: DM_PAGE_SIZE, pagination_token: token });
    rate = p.rateLimit ?? rate;
    for (const [id, u] of p.users) users.set(id, u);
    for (const item of p.items) {
      const id = idOf(item);
      if (id !== undefined && !isNewer(id, cursor)) {
        complete = true;
        continue;
      }
      if (id !== undefined && isNewer(id, newest)) newest = id;
      items.push(item);
    }
    token = p.nextToken;
    if (!token) complete = true;
  }
  for (const item of oldestFirst(items)) await deps.intake.take('dms', item, dmEventToTurn(item, users, me, monotonicNow(), newTraceparent()));
  if (complete && newest !== undefined) await cursors.advance(name, newest);
  if (!complete) log.warn({ pages: MAX_PAGES_PER_POLL }, 'more DMs than one poll reads: the cursor stays until all are read');
  return rate;
}
