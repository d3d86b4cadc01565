import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel, SocketModeReceiver, type Logger as BoltLogger, type ReceiverEvent } from '@slack/bolt';
import type { HelixConfig } from '../../config/index.ts';
import {
  Counter, DeliveryLedger, INBOUND_QUEUE, healthRoutes, inboundJobOptions, jobIdFor, listen, monotonicNow, newTraceparent, openProcessRedis,
  redisReady, traceLogger, type Logger, type ProcessMetrics, type RunningServer, withDeadline,
} from '../../mesh/index.ts';
import { startSlackDelivery } from './deliver.ts';
import { decide, toInboundTurn, type SlackMessageEvent } from './normalize.ts';

export interface SlackBotOptions {
  config: HelixConfig;
  redisUrl: string;
  log: Logger;
}

/** A running Slack bot; `close()` stops the HTTP endpoint, then delivery, queues and Redis. Safe to call twice. */
export interface RunningSlackBot {
  readonly app: App;
  readonly metrics: ProcessMetrics;
  /** http://host:port: Slack's Events API posts to `${url}/slack/events`; /healthz and /metrics live here too. */
  readonly url: string;
  /** `${url}/slack/events`; empty in socket mode (events arrive over the WebSocket, no HTTP endpoint). */
  readonly eventsUrl: string;
  readonly socketMode: boolean;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Longest an Events API request (or a Socket Mode envelope's ack) waits for the inbound queue before it is answered 500. */
const QUEUE_DEADLINE_MS = 2_000;

/** The Slack bot's own metrics. */
interface SlackMetrics {
  events: Counter<'outcome' | 'reason'>;
  deliveries: Counter<'outcome'>;
}

/**
 * Starts the Slack bot: Bolt's HTTP receiver on slack.host:port verifies each Events API request (v0
 * signature, timestamp within 5 minutes), answers url_verification, and turns DMs and mentions into
 * envelopes on `inbound`. With `processBeforeResponse` the HTTP answer waits until the envelope is
 * queued: a queue failure answers 500 and Slack retries; a retry carries the same `event_id`, which is
 * the job id, so it never makes a second turn. Replies on `outbound-slack` go out with `chat.postMessage`.
 *
 * With `slack.socketMode` Bolt's SocketModeReceiver takes the events over a WebSocket instead (no HTTP
 * endpoint; /healthz and /metrics get a small server of their own on slack.host:port). The same handlers
 * and normalization run; each envelope is acked only after its listener finished, i.e. once the turn is on
 * the queue: a queue failure leaves it unacked and Slack redelivers it (`retry_attempt` > 0, same `event_id`).
 */
export async function startSlackBot(opts: SlackBotOptions): Promise<RunningSlackBot> {
  const { config, log } = opts;
  const slack = config.slack;
  if (slack.socketMode) {
    if (!slack.botToken || !slack.appToken) throw new Error('slack.botToken and slack.appToken must both be set in socket mode. See README, "Connecting Slack".');
  } else if (!slack.botToken || !slack.signingSecret) {
    throw new Error('slack.botToken and slack.signingSecret must both be set. See README, "Connecting Slack".');
  }
  const prefix = config.redis.prefix;
  const redis = openProcessRedis({ redisUrl: opts.redisUrl, role: 'slack', prefix, log });
  const { producer, worker, metrics, deadLetters } = redis;
  await redisReady(producer, 5_000).catch((err: Error) => log.warn({ err: err.message }, 'redis not reachable yet; events are refused (Slack retries) until it is'));

  const registers = [metrics.registry];
  const sm: SlackMetrics = {
    events: new Counter({ name: 'helix_slack_events_total', help: 'Slack events seen, by outcome and reason.', labelNames: ['outcome', 'reason'], registers }),
    deliveries: new Counter({ name: 'helix_slack_deliveries_total', help: 'Replies delivered to Slack, by outcome.', labelNames: ['outcome'], registers }),
  };
  const health = healthRoutes({ registry: metrics.registry, checks: { redis: async () => void (await producer.ping()) } });
  const viaHono = async (req: IncomingMessage, res: ServerResponse) => {
    const r = await health.fetch(new Request(new URL(req.url ?? '/', 'http://helix.local')));
    res.writeHead(r.status, Object.fromEntries(r.headers.entries()));
    res.end(await r.text());
  };

  const inbound = redis.queue(INBOUND_QUEUE);
  const clientOptions = { slackApiUrl: slack.apiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 0 } };
  const receiver = slack.socketMode
    ? new SocketModeReceiver({ appToken: slack.appToken!, logger: boltLogger(log), installerOptions: { clientOptions: { slackApiUrl: slack.apiUrl } } })
    : undefined;
  const app = receiver
    ? new App({ token: slack.botToken, socketMode: true, receiver, logger: boltLogger(log), clientOptions })
    : new App({
      token: slack.botToken,
      signingSecret: slack.signingSecret,
      processBeforeResponse: true,
      logger: boltLogger(log),
      customRoutes: [
        { path: '/healthz', method: ['GET'], handler: viaHono },
        { path: '/metrics', method: ['GET'], handler: viaHono },
      ],
      clientOptions,
    });
  if (receiver) ackAfterProcessing(receiver, app, log);

  let open = true;
  const intake = async (args: { body: unknown; event: unknown; context: { botUserId?: string; botId?: string; retryNum?: number } }) => {
    if (!open) throw new Error('shutting down');
    const body = args.body as { event_id?: string; team_id?: string };
    const ev = args.event as SlackMessageEvent;
    const decision = decide(ev, { helixUserId: args.context.botUserId, helixBotId: args.context.botId, ignoreBots: slack.ignoreBots });
    if (!decision.answer) {
      sm.events.inc({ outcome: 'ignored', reason: decision.why });
      return;
    }
    if (!body.event_id || !ev.channel || !ev.ts) {
      sm.events.inc({ outcome: 'ignored', reason: 'unreadable' });
      return;
    }
    const turn = toInboundTurn({
      eventId: body.event_id, teamId: ev.team ?? body.team_id ?? 'T', event: { ...ev, channel: ev.channel, ts: ev.ts },
      helixUserId: args.context.botUserId, receivedAt: monotonicNow(), traceparent: newTraceparent(),
    });
    const tlog = traceLogger(log, turn.traceparent, { event_id: turn.eventId, channel_id: ev.channel, retry_num: args.context.retryNum });
    try {
      // Slack waits 3 s for the answer: a queue that does not take the envelope by then gets a 500 (Slack retries).
      await withDeadline(inbound.add('turn', turn, inboundJobOptions(jobIdFor('slack', turn.eventId), { dedupeWindowSec: config.redis.dedupeWindowSec })), QUEUE_DEADLINE_MS, 'inbound add');
    } catch (err) {
      sm.events.inc({ outcome: 'failed', reason: 'queue_unavailable' });
      tlog.error({ err: (err as Error).message }, 'event not queued (inbound queue unreachable); answering 500 so Slack retries');
      throw err;
    }
    sm.events.inc({ outcome: 'accepted', reason: decision.why });
    tlog.info({ why: decision.why, conversation: turn.conversation.id, kind: turn.conversation.kind }, 'message accepted');
  };
  app.event('message', intake);
  app.event('app_mention', intake);
  app.error(async (err) => {
    throw err; // → 500: Slack retries the delivery
  });

  const delivery = startSlackDelivery({
    connection: worker, prefix, log, deadLetters, metrics, deliveries: sm.deliveries,
    poster: { postMessage: (a) => app.client.chat.postMessage(a) },
    ledger: new DeliveryLedger(producer, prefix, 'slack', config.redis.dedupeWindowSec),
  });

  let started = false;
  let healthServer: RunningServer | undefined;
  const close = () => {
    open = false;
    return redis.close([
      ['http', () => (started ? app.stop() : undefined)],
      ['health', () => healthServer?.close()],
      ['delivery', () => delivery.close(), () => delivery?.worker.close(true)],
    ], 'slack bot stopped');
  };

  try {
    if (receiver) {
      healthServer = await listen(health, slack.host, slack.port);
      await app.start();
      started = true;
      log.info({ url: healthServer.url }, 'slack bot ready (socket mode)');
      return { app, metrics, url: healthServer.url, eventsUrl: '', socketMode: true, close, [Symbol.asyncDispose]: close };
    }
    const server = (await app.start({ port: slack.port, host: slack.host })) as Server;
    started = true;
    const port = (server.address() as AddressInfo).port;
    const url = `http://${slack.host.includes(':') ? `[${slack.host}]` : slack.host}:${port}`;
    log.info({ url, events: `${url}/slack/events` }, 'slack bot ready');
    return { app, metrics, url, eventsUrl: `${url}/slack/events`, socketMode: false, close, [Symbol.asyncDispose]: close };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * Bolt's SocketModeReceiver acks an events_api envelope as soon as Bolt calls `ack()`, which App does for
 * every event before the listeners run. This replaces its envelope handler with one that holds the ack
 * until `processEvent` resolves (what `processBeforeResponse` does over HTTP): a listener that throws
 * (the inbound queue refused the turn, or the bot is shutting down) leaves the envelope unacked, and Slack
 * redelivers it.
 */
function ackAfterProcessing(receiver: SocketModeReceiver, app: App, log: Logger): void {
  receiver.client.removeAllListeners('slack_event');
  receiver.client.on('slack_event', async (args: { ack: (response?: Record<string, unknown>) => Promise<void>; body: Record<string, unknown>; retry_num?: number; retry_reason?: string }) => {
    let acked = false;
    let response: Record<string, unknown> | undefined;
    const event: ReceiverEvent = {
      body: args.body,
      ack: async (r?: unknown) => {
        acked = true;
        response = r as Record<string, unknown> | undefined;
      },
      retryNum: args.retry_num,
      retryReason: args.retry_reason,
      customProperties: {},
    };
    try {
      await app.processEvent(event);
    } catch (err) {
      log.warn({ err: (err as Error).message, retry_num: args.retry_num }, 'socket mode envelope not acked; Slack redelivers it');
      return;
    }
    if (acked) await args.ack(response).catch((err: Error) => log.warn({ err: err.message }, 'socket mode ack not sent'));
  });
}

/** Bolt's logger interface over the process's pino logger. */
function boltLogger(log: Logger): BoltLogger {
  const child = log.child({ component: 'bolt' });
  return {
    debug: (...m: unknown[]) => child.debug(m.map(String).join(' ')),
    info: (...m: unknown[]) => child.info(m.map(String).join(' ')),
    warn: (...m: unknown[]) => child.warn(m.map(String).join(' ')),
    error: (...m: unknown[]) => child.error(m.map(String).join(' ')),
    setLevel: () => {},
    getLevel: () => LogLevel.INFO,
    setName: () => {},
  };
}

