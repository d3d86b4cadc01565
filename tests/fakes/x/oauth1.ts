// OAuth 1.0a request verification as X does it (RFC 5849 section 3.4.1, HMAC-SHA1), written from the RFC,
// independent of the SDK: a wrong consumer or token secret, a changed query, or a replayed nonce fails.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** RFC 3986 percent-encoding (RFC 5849 section 3.6): everything but ALPHA / DIGIT / - . _ ~ is encoded. */
export function percentEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The parameters of an `Authorization: OAuth k="v", ...` header, decoded. */
export function parseAuthorization(header: string | undefined): Record<string, string> | undefined {
  if (!header || !/^OAuth\s+/i.test(header)) return undefined;
  const out: Record<string, string> = {};
  for (const m of header.replace(/^OAuth\s+/i, '').matchAll(/([A-Za-z0-9_%.~-]+)="([^"]*)"/g)) out[decodeURIComponent(m[1]!)] = decodeURIComponent(m[2]!);
  return out;
}

export interface SignatureInput {
  method: string;
  /** Scheme, host (with a non-default port) and path, no query. */
  baseUri: string;
  /** Query parameters (and form body parameters), decoded, repeated names allowed. */
  params: Array<[string, string]>;
  oauth: Record<string, string>;
  consumerSecret: string;
  tokenSecret: string;
}

/** The signature base string (RFC 5849 section 3.4.1). */
export function baseString(input: Omit<SignatureInput, 'consumerSecret' | 'tokenSecret'>): string {
  const all: Array<[string, string]> = [...input.params, ...Object.entries(input.oauth).filter(([k]) => k !== 'oauth_signature' && k !== 'realm')];
  const normalized = all
    .map(([k, v]) => [percentEncode(k), percentEncode(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  return `${input.method.toUpperCase()}&${percentEncode(input.baseUri)}&${percentEncode(normalized)}`;
}

/** base64 HMAC-SHA1 of the base string with `consumerSecret&tokenSecret` (RFC 5849 section 3.4.2). */
export function hmacSha1Signature(input: SignatureInput): string {
  const key = `${percentEncode(input.consumerSecret)}&${percentEncode(input.tokenSecret)}`;
  return createHmac('sha1', key).update(baseString(input)).digest('base64');
}

/** Whether the request's `oauth_signature` is the one the secrets give. */
export function signatureValid(input: SignatureInput): boolean {
  const expected = Buffer.from(hmacSha1Signature(input));
  const got = Buffer.from(input.oauth.oauth_signature ?? '');
  return got.length === expected.length && timingSafeEqual(got, expected);
}
