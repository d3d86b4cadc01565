import { Hono } from 'hono';
import type { HelixConfig } from '../../config/index.ts';
import {
  DeliveryLedger, INBOUND_QUEUE, healthRoutes, listen, openProcessRedis, redisReady,
  type Logger, type MeshConsumer, type ProcessMetrics, type RunningServer,
} from '../../mesh/index.ts';
import { createChatClient, serviceAccountOf } from './chat-client.ts';
import { startGChatDelivery } from './deliver.ts';
import { EVENT_PATHS, eventRoutes } from './event-routes.ts';
import { createGChatMetrics } from './gchat-metrics.ts';
import { InlineReplies } from './inline-replies.ts';
import { ChatTokenVerifier } from './verify-token.ts';

export interface GChatBotOptions {
  config: HelixConfig;
  redisUrl: string;
  log: Logger;
}

/** A running Google Chat bot; `close()` stops intake, then delivery, queues and Redis. Safe to call twice. */
export interface RunningGChatBot {
  /** Base URL of the endpoint, /healthz and /metrics. */
  readonly url: string;
  /** `${url}/gchat/events`: where Chat posts events. */
  readonly eventsUrl: string;
  readonly metrics: ProcessMetrics;
  /** The `outbound-gchat` consumer (its BullMQ worker can be paused, e.g. to drain a replica). */
  readonly delivery: MeshConsumer;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Starts the Google Chat bot: the app endpoint on gchat.host:gchat.port (verified events → turns on
 * `inbound`, replies inline when the brain is fast), /healthz and /metrics, and delivery of
 * `outbound-gchat` through the Chat API as the service account.
 */
export async function startGChatBot(opts: GChatBotOptions): Promise<RunningGChatBot> {
  const { config, log } = opts;
  const g = config.gchat;
  const sa = serviceAccountOf(g);
  const verifier = new ChatTokenVerifier({ mode: g.audience, projectNumber: g.projectNumber, endpointUrl: g.endpointUrl, certsUrl: g.certsUrl, oidcCertsUrl: g.oidcCertsUrl });
  const chat = createChatClient(sa, g.apiRootUrl);
  const prefix = config.redis.prefix;
  // The producer fails fast (no offline queue): an event is answered 200 only once its turn is queued.
  const redis = openProcessRedis({ redisUrl: opts.redisUrl, role: 'gchat', prefix, log });
  const { producer, worker, metrics, deadLetters } = redis;
  const sub = redis.connection('worker', 'helix-gchat-inline');
  const gm = createGChatMetrics(metrics);
  const inbound = redis.queue(INBOUND_QUEUE);
  let inline: InlineReplies | undefined;
  let delivery: MeshConsumer | undefined;
  let server: RunningServer | undefined;

  const close = () => redis.close([
    ['http', () => server?.close()],
    ['inline', () => inline?.close()],
    ['delivery', () => delivery?.close(), () => delivery?.worker.close(true)],
  ], 'gchat bot stopped');

  try {
    await redisReady(producer, 5_000).catch((err: Error) => log.warn({ err: err.message }, 'redis not reachable yet; events get 503 until it is'));
    inline = await InlineReplies.start(producer, sub, prefix, config.redis.dedupeWindowSec * 1_000);
    delivery = startGChatDelivery({
      connection: worker, prefix, log, deadLetters, metrics, gchatMetrics: gm, inline, chat,
      ledger: new DeliveryLedger(producer, prefix, 'gchat', config.redis.dedupeWindowSec),
    });
    const http = new Hono();
    http.route('/', healthRoutes({ registry: metrics.registry, checks: { redis: async () => void (await producer.ping()) } }));
    http.route('/', eventRoutes({ verifier, inbound, inline, inlineReplyMs: g.inlineReplyMs, dedupeWindowSec: config.redis.dedupeWindowSec, metrics: gm, log }));
    server = await listen(http, g.host, g.port);
    const url = server.url.replace('//0.0.0.0:', '//127.0.0.1:').replace('//[::]:', '//127.0.0.1:');
    // The service account's e-mail identifies the app; its key is never logged.
    log.info({ url, audience: g.audience, service_account: sa.clientEmail, api: g.apiRootUrl, inline_reply_ms: g.inlineReplyMs }, 'gchat bot listening for events');
    return { url, eventsUrl: `${url.replace(/\/$/, '')}${EVENT_PATHS[0]}`, metrics, delivery, close, [Symbol.asyncDispose]: close };
  } catch (err) {
    await close();
    throw err;
  }
}

