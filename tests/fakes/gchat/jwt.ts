// JWTs by hand (RS256 over node:crypto): what Google signs for Chat events, and what the fake Chat API
// checks when the bot calls it with its self-signed service-account token.
import { createSign, createVerify, generateKeyPairSync } from 'node:crypto';

export interface RsaKeyPair {
  /** PKCS#8 PEM. */
  privateKey: string;
  /** SPKI PEM (`-----BEGIN PUBLIC KEY-----`): google-auth-library verifies with it as with an X.509 cert. */
  publicKey: string;
}

/** A fresh 2048-bit RSA key pair. */
export function rsaKeyPair(): RsaKeyPair {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
}

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

/** A compact RS256 JWT. */
export function signJwt(header: Record<string, unknown>, payload: Record<string, unknown>, privateKey: string): string {
  const signed = `${b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', ...header }))}.${b64url(JSON.stringify(payload))}`;
  const signature = createSign('RSA-SHA256').update(signed).sign(privateKey);
  return `${signed}.${b64url(signature)}`;
}

/** The header and payload of a JWT, unverified (undefined when it is not three base64url JSON segments). */
export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown>; signed: string; signature: Buffer } | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    return {
      header: JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as Record<string, unknown>,
      payload: JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Record<string, unknown>,
      signed: `${parts[0]}.${parts[1]}`,
      signature: Buffer.from(parts[2]!, 'base64url'),
    };
  } catch {
    return undefined;
  }
}

/** Whether an RS256 JWT is signed by `publicKey`. */
export function rs256Valid(token: string, publicKey: string): boolean {
  const jwt = decodeJwt(token);
  if (!jwt || jwt.header.alg !== 'RS256') return false;
  return createVerify('RSA-SHA256').update(jwt.signed).verify(publicKey, jwt.signature);
}
