/** Discord's numbers that the bot enforces, each with where Discord sets it. */

/**
 * Longest message content a bot may send.
 * @see https://discord.com/developers/docs/resources/message#create-message-jsonform-params
 */
export const MAX_CONTENT_CHARS = 2_000;

/**
 * Embeds per message, and the total characters of all embeds of one message (titles, descriptions,
 * field names and values, footers, author names).
 * @see https://discord.com/developers/docs/resources/message#embed-object-embed-limits
 */
export const MAX_EMBEDS_PER_MESSAGE = 10;
export const MAX_EMBED_TOTAL_CHARS = 6_000;

/**
 * Buttons per action row and action rows per message.
 * @see https://discord.com/developers/docs/components/reference#action-row
 */
export const MAX_BUTTONS_PER_ROW = 5;
export const MAX_ROWS_PER_MESSAGE = 5;

/**
 * Window to acknowledge an interaction (reply or defer); after it the token is refused.
 * @see https://discord.com/developers/docs/interactions/receiving-and-responding#responding-to-an-interaction
 */
export const INTERACTION_ACK_DEADLINE_MS = 3_000;

/**
 * Longest the bot waits for the queue before it must answer the interaction anyway (politely, as an
 * error), leaving room for the callback's own round trip inside {@link INTERACTION_ACK_DEADLINE_MS}.
 */
export const INTERACTION_ENQUEUE_TIMEOUT_MS = 1_500;

/**
 * How long an interaction token can edit its response and send follow-ups.
 * @see https://discord.com/developers/docs/interactions/receiving-and-responding#followup-messages
 */
export const INTERACTION_TOKEN_TTL_MS = 15 * 60_000;

/**
 * A typing indicator lasts about 10 s (or until the bot posts); the bot stops renewing it after this
 * long even if no reply came, so a lost turn does not leave Helix "typing" forever.
 * @see https://discord.com/developers/docs/resources/channel#trigger-typing-indicator
 */
export const TYPING_MAX_MS = 60_000;

/**
 * Message nonces are at most 25 characters; with `enforce_nonce` Discord returns the earlier message
 * for a repeated nonce within a few minutes (a retry after a crash does not post twice).
 * @see https://discord.com/developers/docs/resources/message#create-message-jsonform-params
 */
export const MAX_NONCE_CHARS = 25;

/** How long an edit-in-place key keeps its message (ops incidents can stay open for weeks). */
export const EDIT_TARGET_TTL_SEC = 30 * 86_400;

/** Message flag that makes an interaction response visible only to its user. */
export const EPHEMERAL_FLAG = 1 << 6;
