/**
 * Google Chat's numbers, each with where it comes from.
 */

/**
 * Longest text Helix puts in one Chat message. Chat caps a message's `text` at 4,096 characters (and a
 * whole message at 32,000 bytes); Helix splits a little below it.
 * @see https://developers.google.com/workspace/chat/api/reference/rest/v1/spaces.messages#Message
 */
export const MESSAGE_MAX_CHARS = 4_000;

/**
 * Largest event body accepted. Chat events are a few KB (a message, its space, sender and annotations);
 * anything this large is not one.
 */
export const EVENT_MAX_BYTES = 256 * 1024;

/** Longest bearer token read (a Google-signed JWT is ~1 KB). */
export const TOKEN_MAX_CHARS = 8_192;

/**
 * Chat waits about 30 s for the synchronous answer to an event; `gchat.inlineReplyMs` stays well below.
 * @see https://developers.google.com/workspace/chat/receive-respond-interactions
 */
export const SYNC_RESPONSE_DEADLINE_MS = 30_000;

/**
 * Once a reply was offered for an inline answer, how long the delivery worker waits for the HTTP
 * request holding the event to take it before taking it back and posting it with the API.
 */
export const INLINE_HANDOFF_MS = 2_000;

/** Longest an event request waits for the inbound queue before it is answered 503 (Chat then shows an error). */
export const QUEUE_DEADLINE_MS = 2_000;

/**
 * Google's 429 (RESOURCE_EXHAUSTED) usually names no Retry-After; wait this long then.
 * @see https://developers.google.com/workspace/chat/limits
 */
export const RATE_LIMIT_DEFAULT_MS = 10_000;

/** The OAuth scope of app authentication. @see https://developers.google.com/workspace/chat/authenticate-authorize-chat-app */
export const CHAT_BOT_SCOPE = 'https://www.googleapis.com/auth/chat.bot';

/** Who signs Chat's project-number tokens (their `iss`), and the `email` of its OIDC ID tokens. @see https://developers.google.com/workspace/chat/verify-requests-from-chat */
export const CHAT_ISSUER = 'chat@system.gserviceaccount.com';

/** Issuers of Google OIDC ID tokens. */
export const OIDC_ISSUERS = ['https://accounts.google.com', 'accounts.google.com'];
