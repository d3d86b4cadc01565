import { chat, type chat_v1 } from '@googleapis/chat';
import { JWT } from 'google-auth-library';
import { z } from 'zod';
import type { HelixConfig } from '../../config/index.ts';
import { CHAT_BOT_SCOPE } from './limits.ts';

/** The service account Helix posts as. The key stays in this object and the JWT client, never in logs. */
export interface ServiceAccount {
  clientEmail: string;
  privateKey: string;
  privateKeyId: string | undefined;
}

/** The fields of a downloaded service-account JSON key Helix reads. */
const KeyFile = z.looseObject({
  type: z.literal('service_account').optional(),
  client_email: z.email(),
  private_key: z.string().min(1),
  private_key_id: z.string().min(1).optional(),
});

export const MISSING_CREDENTIALS = 'gchat.credentials (the service account JSON key: HELIX_GCHAT__CREDENTIALS_FILE=/path/key.json), or gchat.clientEmail and gchat.privateKey, must be set. See README, "Connecting Google Chat".';

/** A PEM given through an environment variable often has its newlines escaped as `\n`. */
function normalizePem(key: string): string {
  return key.includes('\\n') && !key.includes('\n') ? key.replace(/\\n/g, '\n') : key;
}

/** The service account from the config: the JSON key (`credentials`) or `clientEmail` + `privateKey`. Throws naming the key (never its value). */
export function serviceAccountOf(g: HelixConfig['gchat']): ServiceAccount {
  if (g.credentials) {
    let raw: unknown;
    try {
      raw = JSON.parse(g.credentials);
    } catch {
      throw new Error('gchat.credentials is not JSON: give the service account key file as downloaded (HELIX_GCHAT__CREDENTIALS_FILE=/path/key.json).');
    }
    const parsed = KeyFile.safeParse(raw);
    if (!parsed.success) throw new Error(`gchat.credentials is not a service account key (${parsed.error.issues.map((i) => i.path.join('.') || 'key').join(', ')} missing or wrong). Create a JSON key for the service account in the Cloud console.`);
    return { clientEmail: parsed.data.client_email, privateKey: normalizePem(parsed.data.private_key), privateKeyId: parsed.data.private_key_id };
  }
  if (g.clientEmail && g.privateKey) return { clientEmail: g.clientEmail, privateKey: normalizePem(g.privateKey), privateKeyId: undefined };
  throw new Error(MISSING_CREDENTIALS);
}

/**
 * The Chat API client, authenticated as the app (scope chat.bot) with a self-signed JWT: with
 * `useJWTAccessWithScope` (a property, not a constructor option) google-auth-library signs a token with
 * the `scope` claim itself and never calls oauth2.googleapis.com, so `rootUrl` alone decides where
 * requests go (a fake in tests).
 */
export function createChatClient(sa: ServiceAccount, rootUrl: string): chat_v1.Chat {
  const auth = new JWT({ email: sa.clientEmail, key: sa.privateKey, ...(sa.privateKeyId ? { keyId: sa.privateKeyId } : {}), scopes: [CHAT_BOT_SCOPE] });
  auth.useJWTAccessWithScope = true;
  return chat({ version: 'v1', auth, rootUrl: rootUrl.endsWith('/') ? rootUrl : `${rootUrl}/` });
}
