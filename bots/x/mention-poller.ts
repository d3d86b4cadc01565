import type { TwitterApi } from 'twitter-api-v2';
import { monotonicNow, newTraceparent, type CursorStore, type Logger } from '../../mesh/index.ts';
import { MAX_PAGES_PER_POLL, MENTIONS_PAGE_SIZE } from './limits.ts';
import { mentionToTurn, type XIdentity, type XUser } from './normalize.ts';
import type { TurnIntake } from './turn-intake.ts';
import type { XRateLimit } from './x-errors.ts';
import { getPage, idOf, isNewer, oldestFirst } from './x-page.ts';

export interface MentionPollDeps {
  client: TwitterApi;
  me: XIdentity;
  cursors: CursorStore;
  intake: TurnIntake;
  log: Logger;
  /** Posts per page (5..100). @defaultValue {@link MENTIONS_PAGE_SIZE} */
  pageSize?: number;
}

/** The cursor holding the newest mention already queued for this account. */
export const mentionsCursor = (userId: string) => `x-mentions-${userId}`;

const QUERY = {
  'tweet.fields': 'author_id,conversation_id,created_at,referenced_tweets,note_tweet',
  expansions: 'author_id',
  'user.fields': 'username,name',
} as const;

/**
 * One poll of `GET /2/users/:id/mentions`: every page newer than the cursor (`since_id`), oldest first
 * onto `inbound`, and only then the cursor moves to the newest id. A crash before the move re-reads the
 * same posts, which the job ids deduplicate: a restart neither misses nor replays a mention.
 * The first start of an account sets the cursor to its newest mention without answering the backlog.
 * @see https://docs.x.com/x-api/users/get-mentions
 */
export async function pollMentions(deps: MentionPollDeps): Promise<XRateLimit | undefined> {
  const { client, me, cursors, log } = deps;
  const name = mentionsCursor(me.id);
  const path = 'users/:id/mentions';
  const params = { id: me.id };
  const cursor = await cursors.get(name);
  if (cursor === undefined) {
    const first = await getPage(client, path, params, { ...QUERY, max_results: 5 });
    const newest = [first.newestId, ...first.items.map(idOf)].reduce<string | undefined>((a, b) => (b !== undefined && isNewer(b, a) ? b : a), undefined);
    await cursors.advance(name, newest ?? '0');
    log.info({ cursor: newest ?? '0', backlog: first.items.length }, 'first start on this account: earlier mentions are left unanswered; answering new ones from now on');
    return first.rateLimit;
  }
  const since = cursor === '0' ? undefined : cursor;
  const items: unknown[] = [];
  const users = new Map<string, XUser>();
  let newest: string | undefined;
  let token: string | undefined;
  let rate: XRateLimit | undefined;
  let complete = false;
  for (let page = 0; page < MAX_PAGES_PER_POLL; page++) {
    const p = await getPage(client, path, params, { ...QUERY, max_results: deps.pageSize ?? MENTIONS_PAGE_SIZE, since_id: since, pagination_token: token });
    rate = p.rateLimit ?? rate;
    items.push(...p.items);
    for (const [id, u] of p.users) users.set(id, u);
    for (const id of [p.newestId, ...p.items.map(idOf)]) if (id !== undefined && isNewer(id, newest)) newest = id;
    token = p.nextToken;
    if (!token) {
      complete = true;
      break;
    }
  }
  const counts = { queued: 0, duplicate: 0, skipped: 0, dead_lettered: 0 };
  for (const item of oldestFirst(items)) counts[await deps.intake.take('mentions', item, mentionToTurn(item, users, me, monotonicNow(), newTraceparent()))]++;
  if (complete && newest !== undefined && isNewer(newest, cursor)) await cursors.advance(name, newest);
  if (!complete) log.warn({ pages: MAX_PAGES_PER_POLL }, 'more mentions than one poll reads: the cursor stays until all are read');
  if (items.length) log.debug({ ...counts, cursor: complete ? newest : cursor }, 'mentions polled');
  return rate;
}
