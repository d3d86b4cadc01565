import { OAuth2Client } from 'google-auth-library';
import { CHAT_ISSUER, OIDC_ISSUERS, TOKEN_MAX_CHARS } from './limits.ts';

/** Which bearer token Chat sends (the app's "Authentication Audience" setting). */
export type ChatAudienceMode = 'projectNumber' | 'endpointUrl';

export interface ChatTokenVerifierOptions {
  mode: ChatAudienceMode;
  /** The audience in `projectNumber` mode. */
  projectNumber?: string | undefined;
  /** The audience in `endpointUrl` mode. */
  endpointUrl?: string | undefined;
  /** Certificates of chat@system.gserviceaccount.com (`{kid: PEM}`), for `projectNumber` mode. */
  certsUrl: string;
  /** Google's OIDC certificates (`{kid: PEM}`), for `endpointUrl` mode. */
  oidcCertsUrl: string;
}

/** Why a token was refused (a metrics label; never the token itself). */
export type TokenRejection = 'missing' | 'malformed' | 'unknown_key' | 'signature' | 'expired' | 'not_yet_valid' | 'issuer' | 'audience' | 'email';

export type TokenCheck =
  | { ok: true; subject: string | undefined }
  | { ok: false; status: 401; reason: TokenRejection }
  | { ok: false; status: 503; reason: 'certs_unavailable' };

/**
 * Verifies the bearer token Google Chat signs on every event, both forms:
 * - `projectNumber`: a JWT from chat@system.gserviceaccount.com whose `aud` is the project number,
 *   checked against that account's certificates;
 * - `endpointUrl`: a Google OIDC ID token whose `aud` is the endpoint URL and whose `email` is
 *   chat@system.gserviceaccount.com with `email_verified`.
 * google-auth-library does the cryptography and the time checks (iat/exp within 300 s of skew, lifetime
 * under a day) and fetches the certificates from the configured URL, cached for their Cache-Control max-age.
 * @see https://developers.google.com/workspace/chat/verify-requests-from-chat
 */
export class ChatTokenVerifier {
  readonly #client: OAuth2Client;
  readonly #mode: ChatAudienceMode;
  readonly #audience: string;

  constructor(opts: ChatTokenVerifierOptions) {
    this.#mode = opts.mode;
    const audience = opts.mode === 'projectNumber' ? opts.projectNumber : opts.endpointUrl;
    if (!audience) throw new Error(opts.mode === 'projectNumber' ? 'gchat.projectNumber must be set when gchat.audience is projectNumber' : 'gchat.endpointUrl must be set when gchat.audience is endpointUrl');
    this.#audience = audience;
    // Both forms go through getFederatedSignonCertsAsync (with its Cache-Control cache); only the URL differs.
    this.#client = new OAuth2Client({ endpoints: { oauth2FederatedSignonPemCertsUrl: opts.mode === 'projectNumber' ? opts.certsUrl : opts.oidcCertsUrl } });
  }

  /** Checks an `Authorization` header value. Never throws; never puts the token in what it returns. */
  async check(authorization: string | undefined): Promise<TokenCheck> {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!m) return { ok: false, status: 401, reason: 'missing' };
    const token = m[1]!;
    if (token.length > TOKEN_MAX_CHARS || token.split('.').length !== 3) return { ok: false, status: 401, reason: 'malformed' };
    let certs: Record<string, string>;
    try {
      certs = (await this.#client.getFederatedSignonCertsAsync()).certs as Record<string, string>;
    } catch {
      return { ok: false, status: 503, reason: 'certs_unavailable' };
    }
    const issuers = this.#mode === 'projectNumber' ? [CHAT_ISSUER] : OIDC_ISSUERS;
    let payload: Record<string, unknown> | undefined;
    try {
      const ticket = await this.#client.verifySignedJwtWithCertsAsync(token, certs, this.#audience, issuers);
      payload = ticket.getPayload() as Record<string, unknown> | undefined;
    } catch (err) {
      // google-auth-library's messages embed the token: classify, never log or return them.
      return { ok: false, status: 401, reason: rejectionOf(err) };
    }
    if (!payload) return { ok: false, status: 401, reason: 'malformed' };
    if (this.#mode === 'endpointUrl' && (payload.email !== CHAT_ISSUER || payload.email_verified !== true)) return { ok: false, status: 401, reason: 'email' };
    return { ok: true, subject: typeof payload.sub === 'string' ? payload.sub : undefined };
  }
}

/** Sorts google-auth-library's verification failures (by message: it throws plain Errors). */
function rejectionOf(err: unknown): TokenRejection {
  const msg = err instanceof Error ? err.message : '';
  if (msg.startsWith('No pem found')) return 'unknown_key';
  if (msg.startsWith('Invalid token signature')) return 'signature';
  if (msg.startsWith('Token used too late') || msg.startsWith('Expiration time too far')) return 'expired';
  if (msg.startsWith('Token used too early')) return 'not_yet_valid';
  if (msg.startsWith('Invalid issuer')) return 'issuer';
  if (msg.startsWith('Wrong recipient')) return 'audience';
  // Unparsable segments, no iat/exp, a key that is not a key: all "not a token we can read".
  return /signature|verify/i.test(msg) ? 'signature' : 'malformed';
}
