import { createHash, randomInt } from 'node:crypto';
import { z } from 'zod';

/** Letters and digits that cannot be misread for each other (no 0/O, 1/I/L, U). */
const ALPHABET = 'ABCDEFGHJKMNPQRSTVWXYZ23456789';
/** Characters in a code: 30^8 ≈ 6.6e11 possibilities (~39 bits), against a 10-minute lifetime and 5 tries. */
export const LINK_CODE_LENGTH = 8;

/** A fresh code, `ABCD-EFGH`, from the operating system's CSPRNG (unbiased: `randomInt`). */
export function newLinkCode(): string {
  let s = '';
  for (let i = 0; i < LINK_CODE_LENGTH; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return `${s.slice(0, 4)}-${s.slice(4)}`;
}

/**
 * A code as a person types it: any case, spaces or dashes anywhere, at most 32 characters. Parses to the
 * canonical 8 characters; anything else is not a code.
 */
export const LinkCodeInput = z
  .string()
  .max(32, 'a link code is 8 characters')
  .transform((s) => s.toUpperCase().replace(/[\s-]/g, ''))
  .pipe(z.string().regex(new RegExp(`^[${ALPHABET}]{${LINK_CODE_LENGTH}}$`), 'a link code is 8 letters and digits, like ABCD-EFGH'));

/** What is stored: the code's SHA-256 (the code itself never reaches the store or the logs). */
export function hashLinkCode(canonical: string): string {
  return createHash('sha256').update(`helix-link:${canonical}`).digest('hex');
}
