import { Agent } from 'node:http';
import { TwitterApi, type ITwitterApiClientPlugin } from 'twitter-api-v2';
import type { HelixConfig } from '../../config/index.ts';

export const MISSING_CREDENTIALS = 'x.appKey, x.appSecret, x.accessToken and x.accessSecret must all be set (HELIX_X__APP_KEY, HELIX_X__APP_SECRET_FILE, HELIX_X__ACCESS_TOKEN, HELIX_X__ACCESS_SECRET_FILE). See README, "Connecting X".';

/** True when the X bot has what it needs to run (OAuth 1.0a user context). */
export function hasXCredentials(x: HelixConfig['x']): boolean {
  return Boolean(x.appKey && x.appSecret && x.accessToken && x.accessSecret);
}

/** The SDK's hard-coded API origin. */
const X_ORIGIN = /^https:\/\/api\.(?:x|twitter)\.com/;

/** A twitter-api-v2 client and what to release on close. */
export interface XClient {
  readonly api: TwitterApi;
  close(): void;
}

/**
 * twitter-api-v2 signing as the account (OAuth 1.0a, HMAC-SHA1). Its prefixes are constants, so another
 * base URL (a fake in tests, a proxy) is reached with a plugin that rewrites each URL before it is signed,
 * and a plain-`http:` base needs an `http.Agent` (the SDK calls `https.request`).
 * @see /work/shared/PLATFORM-APIS.md section 5
 */
export function createXClient(x: HelixConfig['x']): XClient {
  if (!hasXCredentials(x)) throw new Error(MISSING_CREDENTIALS);
  const base = x.apiBaseUrl.replace(/\/+$/, '');
  const plugins: ITwitterApiClientPlugin[] = X_ORIGIN.test(base) ? [] : [{
    onBeforeRequestConfig({ params }) {
      params.url = params.url.replace(X_ORIGIN, base);
    },
  }];
  const httpAgent = base.startsWith('http:') ? new Agent({ keepAlive: true }) : undefined;
  const api = new TwitterApi(
    { appKey: x.appKey!, appSecret: x.appSecret!, accessToken: x.accessToken!, accessSecret: x.accessSecret! },
    { plugins, ...(httpAgent ? { httpAgent } : {}) },
  );
  return { api, close: () => httpAgent?.destroy() };
}
