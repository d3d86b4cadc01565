import { createHash, timingSafeEqual } from 'node:crypto';

/** What a sender must present: a bearer token and/or basic-auth credentials (either one is enough). */
export interface ReceiverCredentials {
  token?: string | undefined;
  /** `user:password`. */
  basic?: string | undefined;
}

function same(a: string, b: string): boolean {
  // Compare digests so the comparison takes the same time whatever the lengths.
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** True when the `Authorization` header carries the configured bearer token or basic credentials. Pure. */
export function authorized(header: string | undefined, creds: ReceiverCredentials): boolean {
  if (!header) return false;
  const space = header.indexOf(' ');
  if (space < 0) return false;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === 'bearer' && creds.token) return same(value, creds.token);
  if (scheme === 'basic' && creds.basic) {
    let decoded: string;
    try {
      decoded = Buffer.from(value, 'base64').toString('utf8');
    } catch {
      return false;
    }
    return same(decoded, creds.basic);
  }
  return false;
}
