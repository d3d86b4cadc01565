import { createHash, timingSafeEqual } from 'node:crypto';

/** Name of the cookie that carries the access token after `?token=`. */
export const TOKEN_COOKIE = 'helix_token';

/** Constant-time comparison of a presented token with the configured one (hashed first so lengths match). */
export function tokenMatches(presented: string | undefined, expected: string): boolean {
  if (!presented) return false;
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The token a request presents: `Authorization: Bearer`, the cookie, or `?token=`. */
export function presentedToken(authorization: string | undefined, cookie: string | undefined, query: string | undefined): string | undefined {
  const bearer = authorization?.match(/^Bearer\s+(.+)$/i)?.[1];
  return bearer ?? cookie ?? query;
}
