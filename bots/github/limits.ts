/** GitHub's hard limit on a comment body is 65,536 characters; Helix splits well below it. */
export const COMMENT_MAX_CHARS = 60_000;
/** Lines of the asker's text quoted at the top of a reply. */
export const QUOTE_MAX_LINES = 3;
/** Characters of the asker's text quoted at most (also what fits in a route value). */
export const QUOTE_MAX_CHARS = 300;
/** Largest webhook body accepted (GitHub caps deliveries at 25 MB; the events Helix reads are far smaller). */
export const WEBHOOK_MAX_BYTES = 5 * 1024 * 1024;
/** Wait this long on a secondary rate limit that names no Retry-After (GitHub: "at least one minute"). */
export const SECONDARY_LIMIT_DEFAULT_MS = 60_000;
