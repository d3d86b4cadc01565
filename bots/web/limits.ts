/** The web console's own numbers. */

/** Final replies kept per browser session for reconnects and page reloads. */
export const HISTORY_ENTRIES = 50;
/** Newest message and reply ids remembered per session to drop redeliveries (older ones are forgotten). */
export const HISTORY_DEDUPE_KEYS = 4 * HISTORY_ENTRIES;
/** How long a session's history is kept after its last message, in seconds. */
export const HISTORY_TTL_SEC = 86_400;
/** SSE comment sent this often so proxies do not close an idle stream. */
export const HEARTBEAT_MS = 15_000;
/** Longest display name shown to Helix. */
export const MAX_DISPLAY_NAME = 64;
