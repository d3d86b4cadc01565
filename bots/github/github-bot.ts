import { App } from '@octokit/app';
import { Hono } from 'hono';
import type { HelixConfig } from '../../config/index.ts';
import {
  DeliveryLedger, INBOUND_QUEUE, healthRoutes, listen, openProcessRedis, redisReady,
  type Logger, type MeshConsumer, type ProcessMetrics, type RunningServer,
} from '../../mesh/index.ts';
import { startGitHubDelivery, type CommentClient } from './deliver.ts';
import { createGitHubMetrics } from './github-metrics.ts';
import type { AppIdentity } from './normalize.ts';
import { webhookRoutes } from './webhook-routes.ts';

export interface GitHubBotOptions {
  config: HelixConfig;
  redisUrl: string;
  log: Logger;
}

/** A running GitHub bot; `close()` stops intake, then delivery, queues and Redis. Safe to call twice. */
export interface RunningGitHubBot {
  /** Base URL of the webhook endpoint (`/api/github/webhooks` or `/`), /healthz and /metrics. */
  readonly url: string;
  readonly webhookUrl: string;
  readonly identity: AppIdentity;
  readonly metrics: ProcessMetrics;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export const MISSING_CREDENTIALS = 'github.appId, github.privateKey and github.webhookSecret must all be set (HELIX_GITHUB__APP_ID, HELIX_GITHUB__PRIVATE_KEY_FILE, HELIX_GITHUB__WEBHOOK_SECRET_FILE). See README, "Connecting GitHub".';

/** A PEM given through an environment variable often has its newlines escaped as `\n`. */
export function normalizePem(key: string): string {
  return key.includes('\\n') && !key.includes('\n') ? key.replace(/\\n/g, '\n') : key;
}

/** The @octokit/app App, with its Octokit pointed at `github.apiUrl`. */
export function createGitHubApp(gh: HelixConfig['github'], log: Logger): App {
  if (!gh.appId || !gh.privateKey || !gh.webhookSecret) throw new Error(MISSING_CREDENTIALS);
  const privateKey = normalizePem(gh.privateKey);
  // @octokit/app does not re-export its Octokit class: take it from a throwaway instance (no request is made).
  type OctokitClass = NonNullable<ConstructorParameters<typeof App>[0]['Octokit']>;
  const Base = new App({ appId: gh.appId, privateKey }).octokit.constructor as OctokitClass;
  const octoLog = {
    debug: () => {},
    info: () => {},
    warn: (message: string) => log.warn({ source: 'octokit' }, message),
    error: (message: string) => log.error({ source: 'octokit' }, message),
  };
  return new App({
    appId: gh.appId,
    privateKey,
    webhooks: { secret: gh.webhookSecret },
    Octokit: Base.defaults({ baseUrl: gh.apiUrl.replace(/\/+$/, ''), log: octoLog }),
    log: octoLog,
  });
}

/**
 * Starts the GitHub bot: the webhook endpoint (signed deliveries → turns on `inbound`), /healthz and
 * /metrics on github.host:github.port, and delivery of `outbound-github` as installation comments.
 */
export async function startGitHubBot(opts: GitHubBotOptions): Promise<RunningGitHubBot> {
  const { config, log } = opts;
  const gh = config.github;
  const app = createGitHubApp(gh, log);
  const prefix = config.redis.prefix;
  // The producer fails fast (no offline queue): a delivery is acknowledged to GitHub only once its turn is queued.
  const redis = openProcessRedis({ redisUrl: opts.redisUrl, role: 'github', prefix, log });
  const { producer, worker, metrics, deadLetters } = redis;
  const gm = createGitHubMetrics(metrics);
  const inbound = redis.queue(INBOUND_QUEUE);
  let delivery: MeshConsumer | undefined;
  let server: RunningServer | undefined;

  const close = () => redis.close([
    ['http', () => server?.close()],
    ['delivery', () => delivery?.close(), () => delivery?.worker.close(true)],
  ], 'github bot stopped');

  try {
    await redisReady(producer, 5_000).catch((err: Error) => log.warn({ err: err.message }, 'redis not reachable yet; deliveries get 503 until it is'));
    let slug = gh.slug;
    if (!slug) {
      const { data } = await app.octokit.request('GET /app');
      slug = data?.slug;
      if (!slug) throw new Error('GET /app returned no slug: set github.slug');
    }
    const identity: AppIdentity = { slug, appId: gh.appId };
    delivery = startGitHubDelivery({
      connection: worker, prefix, log, deadLetters, metrics, githubMetrics: gm,
      ledger: new DeliveryLedger(producer, prefix, 'github', config.redis.dedupeWindowSec),
      installation: async (id) => (await app.getInstallationOctokit(id)) as unknown as CommentClient,
    });
    const http = new Hono();
    http.route('/', healthRoutes({ registry: metrics.registry, checks: { redis: async () => void (await producer.ping()) } }));
    http.route('/', webhookRoutes({ verify: (raw, sig) => app.webhooks.verify(raw, sig), identity, inbound, dedupeWindowSec: config.redis.dedupeWindowSec, metrics: gm, log }));
    server = await listen(http, gh.host, gh.port);
    const url = server.url.replace('//0.0.0.0:', '//127.0.0.1:').replace('//[::]:', '//127.0.0.1:');
    log.info({ url, slug, app_id: gh.appId, api: gh.apiUrl }, 'github bot listening for webhooks');
    return { url, webhookUrl: `${url.replace(/\/$/, '')}/api/github/webhooks`, identity, metrics, close, [Symbol.asyncDispose]: close };
  } catch (err) {
    await close();
    throw err;
  }
}

