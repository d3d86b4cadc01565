/**
 * Longest post, in X's weighted characters (most Latin text counts 1 per character, CJK and emoji 2,
 * every URL 23). @see https://docs.x.com/resources/fundamentals/counting-characters
 */
export const TWEET_MAX_WEIGHT = 280;
/** What any URL counts as, whatever its length (t.co wrapping). @see https://docs.x.com/resources/fundamentals/counting-characters */
export const URL_WEIGHT = 23;
/** Longest thread Helix posts for one reply; the rest of a (very) long answer is cut with an ellipsis. */
export const THREAD_MAX_POSTS = 8;
/** Longest direct message. @see https://docs.x.com/x-api/direct-messages/manage/introduction */
export const DM_MAX_CHARS = 10_000;
/** Mentions per page (the endpoint allows 5..100). @see https://docs.x.com/x-api/users/get-mentions */
export const MENTIONS_PAGE_SIZE = 100;
/** DM events per page (1..100). @see https://docs.x.com/x-api/direct-messages/lookup/introduction */
export const DM_PAGE_SIZE = 100;
/** Pages read in one poll before the rest waits for the next poll (the cursor stays put until all are read). */
export const MAX_PAGES_PER_POLL = 10;
/** Abandon one API request after this long (the SDK has no default timeout). */
export const REQUEST_TIMEOUT_MS = 20_000;
/** Wait after a 429 that names no reset time. @see https://docs.x.com/x-api/fundamentals/rate-limits */
export const RATE_LIMIT_DEFAULT_WAIT_MS = 15 * 60_000;
/** Largest Account Activity delivery accepted. */
export const WEBHOOK_MAX_BYTES = 1024 * 1024;
