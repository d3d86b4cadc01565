import { Hono } from 'hono';
import type { HelixConfig } from '../../config/index.ts';
import {
  CursorStore, DeliveryLedger, INBOUND_QUEUE, healthRoutes, listen, openProcessRedis, redisReady,
  type Logger, type MeshConsumer, type ProcessMetrics, type RunningServer,
} from '../../mesh/index.ts';
import { startXDelivery } from './deliver.ts';
import { pollDms } from './dm-poller.ts';
import { REQUEST_TIMEOUT_MS } from './limits.ts';
import { pollMentions } from './mention-poller.ts';
import type { XIdentity } from './normalize.ts';
import { startPollLoop, type PollLoop } from './poll-loop.ts';
import { TurnIntake } from './turn-intake.ts';
import { createXClient, type XClient } from './x-client.ts';
import { statusOf } from './x-errors.ts';
import { createXMetrics } from './x-metrics.ts';
import { WEBHOOK_PATH, webhookRoutes } from './webhook-routes.ts';

export interface XBotOptions {
  config: HelixConfig;
  redisUrl: string;
  log: Logger;
}

/** A running X bot; `close()` stops polling and intake, then delivery, queues and Redis. Safe to call twice. */
export interface RunningXBot {
  /** Base URL of /healthz, /metrics and (with `x.webhook`) the webhook. */
  readonly url: string;
  readonly webhookUrl: string | undefined;
  readonly identity: XIdentity;
  readonly metrics: ProcessMetrics;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Who the credentials speak as: `x.userId` when set, else `GET /2/users/me`. */
async function resolveIdentity(client: XClient, x: HelixConfig['x']): Promise<XIdentity> {
  if (x.userId) return { id: x.userId, username: x.userId };
  const res = await client.api.v2.get<{ data?: { id?: unknown; username?: unknown } }>('users/me', { 'user.fields': 'username' }, { timeout: REQUEST_TIMEOUT_MS });
  const id = res?.data?.id;
  const username = res?.data?.username;
  if (typeof id !== 'string' || !/^\d{1,20}$/.test(id) || typeof username !== 'string') throw new Error('GET /2/users/me returned no user id: set x.userId');
  return { id, username };
}

/**
 * Starts the X bot: polls mentions (and DMs with `x.dms`) into `inbound`, delivers `outbound-x` as reply
 * posts, threads and DMs, and serves /healthz, /metrics and (with `x.webhook`) the Account Activity
 * webhook on x.host:x.port.
 */
export async function startXBot(opts: XBotOptions): Promise<RunningXBot> {
  const { config, log } = opts;
  const x = config.x;
  const client = createXClient(x);
  const prefix = config.redis.prefix;
  // The producer fails fast (no offline queue): a cursor moves only once its posts are queued.
  const redis = openProcessRedis({ redisUrl: opts.redisUrl, role: 'x', prefix, log });
  const { producer, worker, metrics, deadLetters } = redis;
  const xm = createXMetrics(metrics);
  const inbound = redis.queue(INBOUND_QUEUE);
  const cursors = new CursorStore(producer, prefix);
  const intake = new TurnIntake({ inbound, deadLetters, dedupeWindowSec: config.redis.dedupeWindowSec, metrics: xm, log });
  const loops: PollLoop[] = [];
  let delivery: MeshConsumer | undefined;
  let server: RunningServer | undefined;

  const close = () => redis.close([
    ['polls', () => Promise.all(loops.map((l) => l.stop()))],
    ['http', () => server?.close()],
    ['delivery', () => delivery?.close(), () => delivery?.worker.close(true)],
    ['x client', () => client.close()],
  ], 'x bot stopped');

  try {
    await redisReady(producer, 5_000).catch((err: Error) => log.warn({ err: err.message }, 'redis not reachable yet; polls wait until it is'));
    const me = await resolveIdentity(client, x);
    const bounds = { minMs: x.pollMinMs, maxMs: x.pollMaxMs };
    const loop = (source: 'mentions' | 'dms', poll: () => ReturnType<typeof pollMentions>) => startPollLoop({
      name: source, bounds, poll, log,
      onPoll(outcome, delayMs) {
        xm.polls.inc({ source, outcome });
        xm.pollDelay.set({ source }, delayMs / 1000);
      },
    });
    loops.push(loop('mentions', () => pollMentions({ client: client.api, me, cursors, intake, log })));
    if (x.dms) loops.push(loop('dms', () => pollDms({ client: client.api, me, cursors, intake, log })));
    delivery = startXDelivery({
      connection: worker, prefix, log, deadLetters, metrics, xMetrics: xm, client: client.api,
      ledger: new DeliveryLedger(producer, prefix, 'x', config.redis.dedupeWindowSec),
    });
    const http = new Hono();
    http.route('/', healthRoutes({
      registry: metrics.registry,
      checks: {
        redis: async () => void (await producer.ping()),
        // Revoked or wrong credentials make every poll fail with 401: say so rather than look healthy.
        x: async () => {
          if (loops.some((l) => statusOf(l.lastError) === 401)) throw new Error('X refuses the credentials (401)');
        },
      },
    }));
    if (x.webhook) http.route('/', webhookRoutes({ consumerSecret: x.appSecret!, me, intake, dms: x.dms, metrics: xm, log }));
    server = await listen(http, x.host, x.port);
    const url = server.url.replace('//0.0.0.0:', '//127.0.0.1:').replace('//[::]:', '//127.0.0.1:');
    log.info({ url, user_id: me.id, username: me.username, api: x.apiBaseUrl, dms: x.dms, webhook: x.webhook }, 'x bot polling mentions');
    return { url, webhookUrl: x.webhook ? `${url.replace(/\/$/, '')}${WEBHOOK_PATH}` : undefined, identity: me, metrics, close, [Symbol.asyncDispose]: close };
  } catch (err) {
    await close();
    throw err;
  }
}

