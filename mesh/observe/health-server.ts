import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import type { Registry } from 'prom-client';

/** A named readiness check (`redis`, `store`...). Throws or rejects when unhealthy. */
export type HealthCheck = () => Promise<void>;

export interface HealthRoutesOptions {
  registry: Registry;
  checks: Record<string, HealthCheck>;
  /** Runs before each scrape (e.g. sample queue depths). */
  beforeScrape?: () => Promise<void>;
  /** Longest a single check may take. @defaultValue `2000` */
  checkTimeoutMs?: number;
}

/** `/healthz` (200 when every check passes, 503 with the failing ones) and Prometheus `/metrics`. */
export function healthRoutes(opts: HealthRoutesOptions): Hono {
  const app = new Hono();
  const timeoutMs = opts.checkTimeoutMs ?? 2_000;
  app.get('/healthz', async (c) => {
    const results = await Promise.all(
      Object.entries(opts.checks).map(async ([name, check]) => {
        try {
          await withTimeout(check(), timeoutMs, name);
          return [name, { ok: true }] as const;
        } catch (err) {
          return [name, { ok: false, error: err instanceof Error ? err.message : String(err) }] as const;
        }
      }),
    );
    const checks = Object.fromEntries(results);
    const ok = results.every(([, r]) => r.ok);
    return c.json({ status: ok ? 'ok' : 'unhealthy', checks }, ok ? 200 : 503);
  });
  app.get('/metrics', async (c) => {
    if (opts.beforeScrape) await opts.beforeScrape().catch(() => undefined);
    const body = await opts.registry.metrics();
    return c.body(body, 200, { 'content-type': opts.registry.contentType });
  });
  return app;
}

/** A listening HTTP server with an idempotent `close()`. */
export interface RunningServer {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

/** Serves a Hono app on host:port (port 0 picks a free one). */
export async function listen(app: Hono, host: string, port: number): Promise<RunningServer> {
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port }, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  let closing: Promise<void> | undefined;
  return {
    port: actualPort,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      return closing;
    },
  };
}

function withTimeout<T>(p: Promise<T>, ms: number, name: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${name} check timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
