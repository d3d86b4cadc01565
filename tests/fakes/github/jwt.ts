import { createPublicKey, verify, type KeyObject } from 'node:crypto';

/** Outcome of checking a GitHub App JWT the way api.github.com does (RS256, iss = app id, exp ≤ iat + 10 min). */
export type JwtCheck = { ok: true; iss: number | string; iat: number; exp: number } | { ok: false; message: string };

const b64urlJson = (part: string): unknown => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

/** GitHub's wording for JWT problems (the exp/iat ones are the ones @octokit/auth-app matches for clock-skew retry). */
export const JWT_MESSAGES = {
  undecodable: 'A JSON web token could not be decoded',
  expTooFar: "'Expiration time' claim ('exp') is too far in the future",
  expired: "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
  iat: "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued",
  issuer: "'Issuer' claim ('iss') must be an Integer",
  wrongApp: 'Integration not found',
} as const;

export function checkAppJwt(token: string, publicKey: KeyObject, appId: number, nowSec = Math.floor(Date.now() / 1000)): JwtCheck {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, message: JWT_MESSAGES.undecodable };
  const [h, p, s] = parts as [string, string, string];
  let header: { alg?: unknown; typ?: unknown };
  let payload: { iss?: unknown; iat?: unknown; exp?: unknown };
  try {
    header = b64urlJson(h) as typeof header;
    payload = b64urlJson(p) as typeof payload;
  } catch {
    return { ok: false, message: JWT_MESSAGES.undecodable };
  }
  if (header.alg !== 'RS256') return { ok: false, message: JWT_MESSAGES.undecodable };
  const signatureOk = verify('RSA-SHA256', Buffer.from(`${h}.${p}`), publicKey, Buffer.from(s, 'base64url'));
  if (!signatureOk) return { ok: false, message: JWT_MESSAGES.undecodable };
  const { iss, iat, exp } = payload;
  if (typeof iat !== 'number' || !Number.isInteger(iat) || iat > nowSec + 60) return { ok: false, message: JWT_MESSAGES.iat };
  if (typeof exp !== 'number' || exp <= nowSec) return { ok: false, message: JWT_MESSAGES.expired };
  // GitHub: exp at most 10 minutes into the future (we also bound exp - iat, as the client sets exp = iat + 600).
  if (exp - iat > 600 || exp > nowSec + 600 + 60) return { ok: false, message: JWT_MESSAGES.expTooFar };
  if (typeof iss !== 'number' && typeof iss !== 'string') return { ok: false, message: JWT_MESSAGES.issuer };
  if (String(iss) !== String(appId)) return { ok: false, message: JWT_MESSAGES.wrongApp };
  return { ok: true, iss, iat, exp };
}

export const toPublicKey = (key: string | KeyObject): KeyObject => createPublicKey(key);
