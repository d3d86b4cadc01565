import { z } from 'zod';

/** A Helix person: one human behind one or more platform accounts. Not a platform account id. */
export const PersonId = z.uuid().brand<'PersonId'>();
export type PersonId = z.infer<typeof PersonId>;

/** One platform account, as the identity tables key it. */
export interface AccountRef {
  readonly platform: string;
  readonly accountId: string;
}

/** The cache key of an account (`platform:accountId`; platforms never contain `:`). */
export function accountKey(a: AccountRef): string {
  return `${a.platform}:${a.accountId}`;
}
