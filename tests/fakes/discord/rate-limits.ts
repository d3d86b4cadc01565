// Per-route buckets that put X-RateLimit-* headers on every answer (and 429 a client that ignores
// them), plus scripted failures: the next n requests matching a route answer 429 or a Discord 4xx.
import { createHash } from 'node:crypto';
import type { DiscordError } from './errors.ts';

/** What a route matcher sees about a request. `route` is the template, e.g. "/channels/:channelId/messages". */
export interface RequestInfo {
  method: string;
  path: string;
  route: string;
}

/**
 * A string matches "METHOD /path" or "/path" (any method), where the path is either the route
 * template (":channelId" placeholders, listed at the top of index.ts) or the concrete path; a RegExp is
 * tested against "METHOD /concrete/path"; a function gets the request.
 */
export type RouteMatcher = string | RegExp | ((req: RequestInfo) => boolean);

export interface RateLimitFailure {
  /** Seconds the client must wait (Retry-After header and body retry_after). */
  retryAfterSec: number;
  /** A global rate limit (X-RateLimit-Global: true, scope "global"). */
  global?: boolean;
  /** "user" (default), "global" or "shared". */
  scope?: 'user' | 'global' | 'shared';
  /** How many consecutive matching requests fail. Default 1. */
  times?: number;
}

export interface ErrorFailure extends DiscordError {
  times?: number;
}

export type FailureSpec = RateLimitFailure | ErrorFailure;

export function isRateLimitFailure(f: FailureSpec): f is RateLimitFailure {
  return 'retryAfterSec' in f;
}

interface ScriptedFailure {
  matcher: RouteMatcher;
  spec: FailureSpec;
  left: number;
}

export function matches(matcher: RouteMatcher, req: RequestInfo): boolean {
  if (typeof matcher === 'function') return matcher(req);
  if (matcher instanceof RegExp) return matcher.test(`${req.method} ${req.path}`);
  const m = /^([A-Z]+)\s+(.+)$/.exec(matcher.trim());
  const method = m ? m[1] : undefined;
  const path = (m ? m[2] : matcher.trim()) ?? '';
  if (method && method !== req.method) return false;
  return path === req.route || path === req.path;
}

export interface BucketConfig {
  /** Requests per window per bucket (Discord varies by route: 5/5 s for create message). Default 50. */
  limit: number;
  /** Window length in ms. Default 1000. */
  windowMs: number;
  /** Answer 429 when a client exceeds the advertised limit (Discord does). Default true. */
  enforce: boolean;
}

interface BucketState {
  remaining: number;
  resetAt: number;
}

export interface RateLimitDecision {
  headers: Record<string, string>;
  /** Set when the request must be answered 429 instead of being handled. */
  limited?: { retryAfterSec: number; global: boolean; scope: string };
  /** Set when a scripted 4xx replaces the handler's answer. */
  error?: DiscordError;
}

export class RateLimiter {
  private readonly buckets = new Map<string, BucketState>();
  private readonly scripted: ScriptedFailure[] = [];
  config: BucketConfig;

  constructor(config: Partial<BucketConfig> = {}) {
    this.config = { limit: config.limit ?? 50, windowMs: config.windowMs ?? 1000, enforce: config.enforce ?? true };
  }

  failNext(matcher: RouteMatcher, spec: FailureSpec): void {
    this.scripted.push({ matcher, spec, left: Math.max(1, spec.times ?? 1) });
  }

  /** Scripted failures not yet used up. */
  pending(): number {
    return this.scripted.reduce((n, s) => n + s.left, 0);
  }

  clear(): void {
    this.scripted.length = 0;
    this.buckets.clear();
  }

  /**
   * Decide the fate of one request. `majorKey` is the route's major parameter (channel, guild,
   * webhook) so buckets are per channel as on Discord.
   */
  take(req: RequestInfo, majorKey: string): RateLimitDecision {
    const scriptedIdx = this.scripted.findIndex((s) => matches(s.matcher, req));
    const bucketHash = hashRoute(req.method, req.route);
    const now = Date.now();
    const key = `${bucketHash}:${majorKey}`;
    let state = this.buckets.get(key);
    if (!state || now >= state.resetAt) {
      state = { remaining: this.config.limit, resetAt: now + this.config.windowMs };
      this.buckets.set(key, state);
    }

    if (scriptedIdx >= 0) {
      const s = this.scripted[scriptedIdx]!;
      s.left -= 1;
      if (s.left <= 0) this.scripted.splice(scriptedIdx, 1);
      if (isRateLimitFailure(s.spec)) {
        const global = Boolean(s.spec.global);
        const scope = s.spec.scope ?? (global ? 'global' : 'user');
        const retry = s.spec.retryAfterSec;
        const headers: Record<string, string> = {
          'Retry-After': String(retry),
          'X-RateLimit-Scope': scope,
        };
        if (global) {
          headers['X-RateLimit-Global'] = 'true';
        } else {
          Object.assign(headers, bucketHeaders(this.config.limit, 0, now + retry * 1000, retry, bucketHash));
        }
        return { headers, limited: { retryAfterSec: retry, global, scope } };
      }
      return { headers: bucketHeaders(this.config.limit, Math.max(0, state.remaining - 1), state.resetAt, (state.resetAt - now) / 1000, bucketHash), error: s.spec };
    }

    if (state.remaining <= 0 && this.config.enforce) {
      const retry = (state.resetAt - now) / 1000;
      return {
        headers: { 'Retry-After': retry.toFixed(3), 'X-RateLimit-Scope': 'user', ...bucketHeaders(this.config.limit, 0, state.resetAt, retry, bucketHash) },
        limited: { retryAfterSec: Number(retry.toFixed(3)), global: false, scope: 'user' },
      };
    }
    state.remaining = Math.max(0, state.remaining - 1);
    return { headers: bucketHeaders(this.config.limit, state.remaining, state.resetAt, (state.resetAt - now) / 1000, bucketHash) };
  }
}

function bucketHeaders(limit: number, remaining: number, resetAtMs: number, resetAfterSec: number, bucket: string): Record<string, string> {
  return {
    'X-RateLimit-Limit': String(limit),
    'X-RateLimit-Remaining': String(remaining),
    'X-RateLimit-Reset': (resetAtMs / 1000).toFixed(3),
    'X-RateLimit-Reset-After': Math.max(0, resetAfterSec).toFixed(3),
    'X-RateLimit-Bucket': bucket,
  };
}

/** Discord's bucket ids are opaque hashes shared by routes of one limit; one per route template here. */
export function hashRoute(method: string, route: string): string {
  return createHash('sha1').update(`${method} ${route}`).digest('hex').slice(0, 32);
}
