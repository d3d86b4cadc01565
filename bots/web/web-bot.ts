import { Hono } from 'hono';
import type { HelixConfig } from '../../config/index.ts';
import { Counter, Gauge, INBOUND_QUEUE, healthRoutes, listen, openProcessRedis, redisReady, type Logger, type ProcessMetrics } from '../../mesh/index.ts';
import { startWebDelivery } from './deliver.ts';
import { LiveHub } from './live-hub.ts';
import { consoleRoutes } from './server.ts';
import { SessionHistory } from './session-history.ts';

export interface WebBotOptions {
  config: HelixConfig;
  redisUrl: string;
  log: Logger;
}

/** A running console; `close()` stops intake, ends streams, then closes the consumer, queues and Redis. */
export interface RunningWebBot {
  readonly url: string;
  readonly metrics: ProcessMetrics;
  close(): Promise<void>;
}

/** Starts the web console: the page and API on web.host:web.port, plus /healthz and /metrics on the same port. */
export async function startWebBot(opts: WebBotOptions): Promise<RunningWebBot> {
  const { config, log } = opts;
  const prefix = config.redis.prefix;
  // The producer fails fast (no offline queue): a message is acknowledged to the browser only once it is on the queue.
  const redis = openProcessRedis({ redisUrl: opts.redisUrl, role: 'web', prefix, log });
  const { producer, worker, metrics, deadLetters } = redis;
  const subscriber = redis.connection('worker', 'helix-web-live');

  // Producers have no offline queue: wait for the first connection, but do not refuse to start without one
  // (the console answers 503 until Redis is back, and /healthz says why).
  await redisReady(producer, 5_000).catch((err: Error) => log.warn({ err: err.message }, 'redis not reachable yet; messages get 503 until it is'));

  const registers = [metrics.registry];
  const accepted = new Counter({ name: 'helix_web_messages_accepted_total', help: 'Console messages put on the inbound queue.', registers });
  const rejected = new Counter({ name: 'helix_web_messages_rejected_total', help: 'Console requests refused, by reason.', labelNames: ['reason'], registers });
  const delivered = new Counter({ name: 'helix_web_replies_delivered_total', help: 'Replies handed to browsers, by kind.', labelNames: ['kind'], registers });

  const inbound = redis.queue(INBOUND_QUEUE);
  const history = new SessionHistory(producer, prefix);
  const hub = await LiveHub.start(subscriber, history.channelPattern());
  new Gauge({
    name: 'helix_web_open_streams',
    help: 'Browser reply streams open in this process.',
    registers,
    collect() {
      this.set(hub.streams);
    },
  });
  const delivery = startWebDelivery({ connection: worker, publisher: producer, prefix, log, deadLetters, metrics, delivered, history });

  const app = new Hono();
  app.route('/', healthRoutes({ registry: metrics.registry, checks: { redis: async () => void (await producer.ping()) } }));
  app.route('/', consoleRoutes({ web: config.web, dedupeWindowSec: config.redis.dedupeWindowSec, inbound, publisher: producer, history, hub, log, accepted, rejected }));
  const server = await listen(app, config.web.host, config.web.port);
  const url = server.url.replace('//0.0.0.0:', '//127.0.0.1:').replace('//[::]:', '//127.0.0.1:');
  log.info({ url, auth: config.web.accessToken ? 'token' : 'loopback only' }, 'web console listening');

  return {
    url,
    metrics,
    close: () => redis.close([
      ['http', () => server.close()],
      ['delivery', () => delivery.close(), () => delivery?.worker.close(true)],
      ['live', () => hub.close()],
    ], 'web console stopped'),
  };
}

