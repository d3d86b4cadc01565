import { Hono } from 'hono';
import type { HelixConfig } from '../config/index.ts';
import {
  OPS_ACTIONS_QUEUE, OPS_ALERTS_QUEUE, OPS_TIMERS_QUEUE, OpsAction, OpsAlertBatch, OpsTimer, healthRoutes, listen, openProcessRedis, outboundQueue,
  redisReady, startConsumer, traceLogger, type Logger, type MeshConsumer, type ProcessMetrics, type RunningServer, withDeadline,
} from '../mesh/index.ts';
import type { Store } from '../store/index.ts';
import { ActionHandler } from './actions/action-handler.ts';
import { AlertmanagerSilences, type SilenceClient } from './alertmanager/silences.ts';
import { Publisher } from './discord/publisher.ts';
import { Escalator } from './escalation/escalator.ts';
import { IcalFeed } from './escalation/ical-feed.ts';
import { OnCallSchedule } from './escalation/on-call-schedule.ts';
import { handleAlertBatch } from './incidents/alert-handler.ts';
import { IncidentStore } from './incidents/incident-store.ts';
import { createOpsMetrics, type OpsMetrics } from './ops-metrics.ts';
import type { Pager } from './paging/pager.ts';
import { receiverRoutes } from './receivers/receiver-routes.ts';
import { SloStatus } from './slo/slo-status.ts';
import { startOpsHealth } from './health/health-responder.ts';

export interface OpsServiceOptions {
  config: HelixConfig;
  redisUrl: string;
  log: Logger;
  /** The store (migrated); the caller owns it and closes it after the service. */
  store: Store;
  /** Paging transports for the last escalation step (ops/paging). @defaultValue `[]` */
  pagers?: readonly Pager[];
  /** Alertmanager silences. @defaultValue API v2 at `ops.alertmanagerUrl` */
  silences?: SilenceClient;
  /** SLO budgets for `/slo` and SLO pages. @defaultValue read from `slo.specFiles` (relative to `cwd`) and `slo.prometheusUrl` */
  slo?: SloStatus;
  /** Directory `slo.specFiles` are relative to. @defaultValue the working directory */
  cwd?: string;
  /** Serve the receivers, /healthz and /metrics. @defaultValue `true` */
  serveHttp?: boolean;
  /** Notifications folded at once. @defaultValue `8` */
  concurrency?: number;
}

/** A running ops service; `close()` stops intake, then the consumers, queues and Redis. Safe to call twice. */
export interface RunningOps {
  /** Base URL of the receivers (`/alertmanager`, `/grafana`), /healthz and /metrics; empty without HTTP. */
  readonly url: string;
  /** The receivers and health routes, for in-memory requests (`app.request`). */
  readonly app: Hono;
  readonly incidents: IncidentStore;
  readonly metrics: ProcessMetrics;
  readonly opsMetrics: OpsMetrics;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** The message `main.ts` prints when no receiver credential is set. */
export const MISSING_RECEIVER_CREDENTIALS = 'ops.receiverToken (or ops.receiverBasicAuth) must be set for the ops service (HELIX_OPS__RECEIVER_TOKEN_FILE). See README, "Ops: alerts in Discord".';

/**
 * Starts the ops service: the alert receivers (→ `ops-alerts`), the consumers that fold notifications
 * into incidents (`ops-alerts`), act on chat (`ops-actions`) and run escalation timers (`ops-timers`),
 * and /healthz + /metrics on ops.host:ops.port.
 */
export async function startOps(opts: OpsServiceOptions): Promise<RunningOps> {
  const { config, log } = opts;
  const ops = config.ops;
  if (!ops.receiverToken && !ops.receiverBasicAuth) throw new Error(MISSING_RECEIVER_CREDENTIALS);
  const prefix = config.redis.prefix;
  // The producer fails fast: Alertmanager gets a 503 (and retries) rather than a hanging request.
  const redis = openProcessRedis({ redisUrl: opts.redisUrl, role: 'ops', prefix, log, workerName: 'helix-ops-workers' });
  const { producer, worker, metrics, deadLetters } = redis;
  const opsMetrics = createOpsMetrics(metrics);
  const alertsIn = redis.queue(OPS_ALERTS_QUEUE);
  const outbound = redis.queue(outboundQueue('discord'), 'worker');
  const timers = redis.queue(OPS_TIMERS_QUEUE, 'worker');
  const incidents = new IncidentStore(opts.store.db);
  const slo = opts.slo ?? (await SloStatus.fromConfig(config.slo, opts.cwd ?? '.', log));
  const silences = opts.silences ?? new AlertmanagerSilences(ops.alertmanagerUrl);
  const publisher = new Publisher({ outbound, store: incidents, ops, dedupeWindowSec: config.redis.dedupeWindowSec, log });
  // The on-call calendar (optional) is refreshed in the background; a failing feed only logs and keeps its last good copy.
  const feed = ops.scheduleIcalUrl ? new IcalFeed({ url: ops.scheduleIcalUrl, refreshMs: ops.scheduleIcalRefreshSec * 1_000, timeoutMs: ops.scheduleIcalTimeoutMs, log }) : undefined;
  const schedule = new OnCallSchedule({ rotations: ops.schedule, feed, feedRotation: ops.scheduleIcalRotation });
  const escalator = new Escalator({ timers, store: incidents, publisher, ops, pagers: opts.pagers ?? [], metrics: opsMetrics, log, schedule });
  const actions = new ActionHandler({ store: incidents, publisher, escalator, silences, slo, ops, metrics: opsMetrics, log });
  const consumers: MeshConsumer[] = [];
  let server: RunningServer | undefined;

  const close = () => redis.close([
    ['http', () => server?.close()],
    ['on-call calendar', () => feed?.close()],
    ['consumers', () => Promise.all(consumers.map((c) => c.close())), () => Promise.all(consumers.map((c) => withDeadline(c.worker.close(true), 1_000, 'consumer (forced)').catch(() => undefined)))],
  ], 'ops stopped');

  try {
    // Not awaited: a slow calendar must not hold up the receivers; until it loads, ops.schedule answers (and /oncall says so).
    void feed?.start();
    await redisReady(producer, 5_000).catch((err: Error) => log.warn({ err: err.message }, 'redis not reachable yet; webhooks get 503 until it is'));
    const common = { connection: worker, prefix, log, deadLetters, metrics };
    consumers.push(
      startConsumer({
        ...common,
        queue: OPS_ALERTS_QUEUE,
        schema: OpsAlertBatch,
        concurrency: opts.concurrency ?? 8,
        handle: (batch) => handleAlertBatch(batch, { store: incidents, publisher, escalator, silences, slo, ops, metrics: opsMetrics, log: traceLogger(log, batch.traceparent, { group_key: batch.groupKey.slice(0, 200) }) }).then((o) => ({ outcome: o.kind })),
      }),
      startConsumer({ ...common, queue: OPS_ACTIONS_QUEUE, schema: OpsAction, concurrency: 4, handle: async (action) => ({ outcome: await actions.handle(action) }) }),
      startConsumer({ ...common, queue: OPS_TIMERS_QUEUE, schema: OpsTimer, concurrency: 4, handle: async (timer) => ({ outcome: await escalator.onTimer(timer) }) }),
      // The brain's "how are you doing?": incidents, SLO budgets (when Prometheus is configured) and queue depths.
      startOpsHealth({
        ...common,
        openIncidents: () => incidents.open(undefined, 1_000),
        ...(config.slo.prometheusUrl ? { sloBudgets: () => slo.budgets().then((a) => (a.ok ? a.budgets : Promise.reject(new Error(a.reason)))) } : {}),
      }),
    );
    for (const c of consumers) c.worker.on('error', () => {});
    const app = new Hono();
    app.route('/', healthRoutes({
      registry: metrics.registry,
      checks: { redis: async () => void (await producer.ping()), store: () => opts.store.ping() },
      beforeScrape: async () => {
        const open = await incidents.open(undefined, 1_000);
        opsMetrics.open.reset();
        for (const i of open) opsMetrics.open.inc({ state: i.state });
        for (const q of [alertsIn, outbound, timers]) {
          const counts = await q.getJobCounts('waiting', 'delayed', 'active');
          for (const [state, n] of Object.entries(counts)) metrics.queueDepth.set({ queue: q.name, state }, n);
        }
      },
    }));
    app.route('/', receiverRoutes({ credentials: { token: ops.receiverToken, basic: ops.receiverBasicAuth }, alerts: alertsIn, queueReady: () => producer.status === 'ready', maxBodyBytes: ops.maxBodyBytes, dedupeWindowSec: config.redis.dedupeWindowSec, metrics: opsMetrics, log }));
    let url = '';
    if (opts.serveHttp ?? true) {
      server = await listen(app, ops.host, ops.port);
      url = server.url.replace('//0.0.0.0:', '//127.0.0.1:').replace('//[::]:', '//127.0.0.1:');
    }
    log.info({ url, alertmanager: ops.alertmanagerUrl, pagers: (opts.pagers ?? []).map((p) => p.kind) }, 'ops started');
    return { url, app, incidents, metrics, opsMetrics, close, [Symbol.asyncDispose]: close };
  } catch (err) {
    await close();
    throw err;
  }
}

