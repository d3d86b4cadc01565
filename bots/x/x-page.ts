import type { TwitterApi } from 'twitter-api-v2';
import { z } from 'zod';
import { HelixError } from '../../mesh/index.ts';
import { REQUEST_TIMEOUT_MS } from './limits.ts';
import { XUser } from './normalize.ts';
import type { XRateLimit } from './x-errors.ts';

/** The envelope of a v2 list response; the items themselves are checked one by one (a bad one must not sink the page). */
const ListEnvelope = z.object({
  data: z.array(z.unknown()).optional(),
  includes: z.object({ users: z.array(z.unknown()).optional() }).loose().optional(),
  meta: z.object({ newest_id: z.string().optional(), next_token: z.string().optional(), result_count: z.number().optional() }).loose().optional(),
}).loose();

/** One page of a v2 list endpoint. */
export interface XPage {
  items: unknown[];
  users: Map<string, XUser>;
  newestId: string | undefined;
  nextToken: string | undefined;
  rateLimit: XRateLimit | undefined;
}

/** GETs one page of a v2 list endpoint (`users/:id/mentions`, `dm_events`) through twitter-api-v2, signed with OAuth 1.0a. */
export async function getPage(client: TwitterApi, path: string, params: Record<string, string>, query: Record<string, string | number | undefined>): Promise<XPage> {
  const q = Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined)) as Record<string, string | number>;
  const res = await client.v2.get(path, q, { fullResponse: true, params, timeout: REQUEST_TIMEOUT_MS });
  const parsed = ListEnvelope.safeParse(res.data);
  if (!parsed.success) throw new HelixError('platform_unavailable', `X answered GET /2/${path} with a body Helix cannot read: ${z.prettifyError(parsed.error).slice(0, 300)}`);
  const users = new Map<string, XUser>();
  for (const u of parsed.data.includes?.users ?? []) {
    const user = XUser.safeParse(u);
    if (user.success) users.set(user.data.id, user.data);
  }
  const meta = parsed.data.meta;
  return {
    items: parsed.data.data ?? [],
    users,
    newestId: meta?.newest_id,
    nextToken: meta?.next_token || undefined,
    rateLimit: res.rateLimit ? { limit: res.rateLimit.limit, remaining: res.rateLimit.remaining, reset: res.rateLimit.reset } : undefined,
  };
}

const DECIMAL = /^(0|[1-9]\d{0,39})$/;

/** Whether `a` is a larger decimal id than `b` (ids exceed 2^53: compared as strings by length, then text). */
export function isNewer(a: string, b: string | undefined): boolean {
  if (!DECIMAL.test(a)) return false;
  if (b === undefined || !DECIMAL.test(b)) return true;
  return a.length > b.length || (a.length === b.length && a > b);
}

/** The id of an item when it has a decimal one. */
export function idOf(item: unknown): string | undefined {
  const id = typeof item === 'object' && item !== null ? (item as { id?: unknown }).id : undefined;
  return typeof id === 'string' && DECIMAL.test(id) ? id : undefined;
}

/** Items oldest first (ids ascending); items without a usable id last, in their order. */
export function oldestFirst(items: unknown[]): unknown[] {
  const withId = items.filter((i) => idOf(i) !== undefined).sort((a, b) => (isNewer(idOf(a)!, idOf(b)) ? 1 : isNewer(idOf(b)!, idOf(a)) ? -1 : 0));
  return [...withId, ...items.filter((i) => idOf(i) === undefined)];
}
