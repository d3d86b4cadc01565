// 10. Ops: an Alertmanager webhook → the incident message on the fake Discord (p50/p99), and a storm of 1,000
// alerts across 50 groups (every incident once, every alert kept, Discord's 429s honoured). In-process: the ops
// service (real Redis, PostgreSQL or PGlite), the Discord bot (discord.js) against the fake Discord.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { pino } from 'pino';
import { startDiscordBot, type RunningDiscordBot } from '../bots/discord/discord-bot.ts';
import { HelixConfig } from '../config/index.ts';
import { createLogger } from '../mesh/index.ts';
import { startOps, type RunningOps } from '../ops/ops-service.ts';
import { openStore, type Store } from '../store/index.ts';
import { startFakeDiscord, type FakeDiscord } from '../tests/fakes/discord/index.ts';
import type { BenchOptions } from './args.ts';
import { track } from './cleanup.ts';
import { say } from './progress.ts';
import { REDIS_URL, benchPrefix, dropPrefix } from './redis-keys.ts';
import { check, info, type Metric } from './report.ts';
import { summarize } from './stats.ts';

const PG_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const TOKEN = `bench-${randomUUID()}`;
const LATENCY_SAMPLES = 200;
const WARMUP = 20;
const STORM_ALERTS = 1_000;
const STORM_GROUPS = 50;
const SCRIPTED_429S = 10;

const BENCH_CLIENT_OPTIONS = { ws: { buildIdentifyThrottler: async () => ({ waitForIdentify: async () => {} }) } };

type Embedded = { embeds?: Array<{ title?: string; fields?: Array<{ name: string; value: string }> }> };

/** PostgreSQL in a schema of its own when it answers (PGlite's start costs tens of seconds on a loaded box), else PGlite. */
async function benchStore(): Promise<{ store: Store; kind: string; drop: () => Promise<void> }> {
  const schema = `bench_ops_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
  try {
    const store = await openStore({ databaseUrl: PG_URL, dataDir: 'unused', schema });
    return {
      store,
      kind: 'PostgreSQL',
      drop: async () => {
        const c = new pg.Client({ connectionString: PG_URL });
        await c.connect();
        await c.query(`drop schema if exists "${schema}" cascade`).finally(() => c.end());
      },
    };
  } catch {
    return { store: await openStore({ dataDir: 'memory://' }), kind: 'PGlite (memory)', drop: async () => {} };
  }
}

function alert(group: number, i: number, status: 'firing' | 'resolved' = 'firing') {
  return {
    status,
    labels: { alertname: `Storm${group}`, severity: 'warning', instance: `host-${i}:9100` },
    annotations: { summary: `instance ${i} of group ${group} is down` },
    startsAt: '2026-11-30T01:00:00Z',
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus.local/graph',
    fingerprint: `${group.toString(16).padStart(8, '0')}${i.toString(16).padStart(8, '0')}`,
  };
}

function notification(groupKey: string, name: string, alerts: ReturnType<typeof alert>[]) {
  return { version: '4', groupKey, truncatedAlerts: 0, receiver: 'helix', status: 'firing', alerts, groupLabels: { alertname: name }, commonLabels: { alertname: name, severity: 'warning' }, commonAnnotations: {}, externalURL: 'http://alertmanager.local' };
}

export async function benchOps(_opts: BenchOptions): Promise<{ metrics: Metric[]; notes: string[] }> {
  const prefix = benchPrefix('ops');
  let fake: FakeDiscord | undefined;
  let bot: RunningDiscordBot | undefined;
  let ops: RunningOps | undefined;
  let db: Awaited<ReturnType<typeof benchStore>> | undefined;
  const closeAll = async () => {
    await ops?.close().catch(() => undefined);
    await bot?.close().catch(() => undefined);
    await fake?.close().catch(() => undefined);
    await db?.store.close().catch(() => undefined);
    await db?.drop().catch(() => undefined);
  };
  const untrack = track(closeAll);
  try {
    fake = await startFakeDiscord();
    db = await benchStore();
    const channelId = fake.channel('general').id;
    const config = HelixConfig.parse({
      log: { level: 'silent' },
      redis: { url: REDIS_URL, prefix },
      discord: { token: fake.token, apiUrl: fake.apiUrl, port: 0 },
      ops: { port: 0, receiverToken: TOKEN, channelId, escalationSec: { critical: 0, error: 0, warning: 0, info: 0 } },
    });
    const nullLog = (role: string) => createLogger(role, 'info', pino.destination({ dest: '/dev/null', sync: true }));
    bot = await startDiscordBot({ config, redisUrl: REDIS_URL, log: nullLog('discord'), clientOptions: BENCH_CLIENT_OPTIONS, serveHttp: false, readyTimeoutMs: 15_000 });
    ops = await startOps({ config, redisUrl: REDIS_URL, log: nullLog('ops'), store: db.store });
    const url = `${ops.url}/alertmanager`;
    const post = async (body: unknown) => {
      const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (res.status !== 200) throw new Error(`receiver answered ${res.status}: ${await res.text()}`);
    };
    const f = fake;

    // 1. Latency: one new group at a time; from just before the POST to the fake recording the message's creation.
    say(`ops: latency, ${WARMUP} warmup + ${LATENCY_SAMPLES} samples`);
    const samples: number[] = [];
    for (let i = 0; i < WARMUP + LATENCY_SAMPLES; i++) {
      const name = `Latency${i}`;
      const seen = f.waitFor('messages', (r) => r.kind === 'create' && ((r.message as Embedded).embeds ?? []).some((e) => (e.title ?? '').includes(name)), 15_000);
      const t0 = performance.now();
      await post(notification(`{}:{alertname="${name}"}`, name, [alert(100_000 + i, 0)].map((a) => ({ ...a, labels: { ...a.labels, alertname: name } }))));
      await seen;
      if (i >= WARMUP) samples.push(performance.now() - t0);
    }
    const lat = summarize(samples);

    // 2. Storm: 1,000 alerts over 50 groups, each notification carrying its group's alerts so far (as Alertmanager
    // re-sends a group), 20 in flight, every 10th notification sent twice; Discord answers 429 to a few posts and edits.
    say(`ops: storm of ${STORM_ALERTS} alerts across ${STORM_GROUPS} groups`);
    f.clearRecords();
    f.failNext((r) => r.method === 'POST' && r.path.includes('/messages'), { retryAfterSec: 1, times: SCRIPTED_429S / 2 });
    f.failNext((r) => r.method === 'PATCH' && r.path.includes('/messages/'), { retryAfterSec: 1, times: SCRIPTED_429S / 2 });
    const perGroup = STORM_ALERTS / STORM_GROUPS;
    const bodies: unknown[] = [];
    for (let k = 0; k < STORM_ALERTS; k++) {
      const g = k % STORM_GROUPS;
      const upto = Math.floor(k / STORM_GROUPS);
      const alerts = Array.from({ length: upto + 1 }, (_, i) => alert(g, i));
      const body = notification(`{}:{alertname="Storm${g}"}`, `Storm${g}`, alerts);
      bodies.push(body);
      if (k % 10 === 0) bodies.push(body);
    }
    const t0 = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: 20 }, async () => {
      while (next < bodies.length) await post(bodies[next++]);
    }));
    const accepted = performance.now() - t0;
    const done = (m: Embedded) => (m.embeds?.[0]?.fields ?? []).some((x) => x.name === 'Alerts' && x.value.startsWith(`${perGroup} firing`));
    const deadline = Date.now() + 180_000;
    const stormMessages = () => f.messages('general').filter((m) => ((m as Embedded).embeds?.[0]?.title ?? '').includes('Storm'));
    while (!(stormMessages().length >= STORM_GROUPS && stormMessages().every((m) => done(m as Embedded)))) {
      if (Date.now() > deadline) throw new Error(`storm: after 180 s, ${stormMessages().filter((m) => done(m as Embedded)).length}/${STORM_GROUPS} messages show all ${perGroup} alerts`);
      await new Promise((r) => setTimeout(r, 25));
    }
    const wall = performance.now() - t0;
    const incidents = await Promise.all(Array.from({ length: STORM_GROUPS }, (_, g) => ops!.incidents.byGroup(`{}:{alertname="Storm${g}"}`)));
    const once = incidents.every((list) => list.length === 1);
    const alertCounts = await Promise.all(incidents.map((list) => (list[0] ? ops!.incidents.alerts(list[0].id).then((a) => a.length) : 0)));
    const kept = alertCounts.reduce((a, b) => a + b, 0);
    const rest = f.records.rest.filter((r) => /\/channels\/\d+\/messages/.test(r.path));
    const creates = rest.filter((r) => r.method === 'POST' && r.status < 300).length;
    const edits = rest.filter((r) => r.method === 'PATCH' && r.status < 300).length;
    const limited = rest.filter((r) => r.status === 429).length;
    const messages = stormMessages().length;

    return {
      metrics: [
        check('ops_webhook_to_message_p50_ms', 'webhook → incident message, p50', lat.p50, 'ms', '<=', 50),
        check('ops_webhook_to_message_p99_ms', 'webhook → incident message, p99', lat.p99, 'ms', '<=', 50),
        info('ops_webhook_to_message_max_ms', 'webhook → incident message, max', lat.max, 'ms'),
        info('ops_storm_notifications', 'storm: notifications posted (10% twice)', bodies.length, ''),
        info('ops_storm_accept_ms', 'storm: all notifications accepted (2xx)', accepted, 'ms'),
        info('ops_storm_wall_ms', 'storm: first POST → all 50 messages show 20 alerts', wall, 'ms'),
        check('ops_storm_incidents_once', 'storm: groups with exactly one incident', incidents.filter((l) => l.length === 1).length, '', '>=', STORM_GROUPS),
        check('ops_storm_alerts_kept', 'storm: alerts stored', kept, '', '>=', STORM_ALERTS),
        check('ops_storm_messages', 'storm: incident messages in the channel', messages, '', '<=', STORM_GROUPS),
        info('ops_storm_discord_creates', 'storm: message POSTs (2xx)', creates, ''),
        info('ops_storm_discord_edits', 'storm: message PATCHes (2xx, coalesced)', edits, ''),
        info('ops_storm_discord_429s', 'storm: 429s answered by the fake and honoured', limited, ''),
        info('ops_storm_exactly_once', 'storm: every incident created exactly once', once, ''),
      ],
      notes: [
        `latency: just before the webhook POST → the fake records POST /channels/:id/messages with that incident's embed; one new group per sample, ${LATENCY_SAMPLES} samples after ${WARMUP} warmup`,
        `path: HTTP receiver → ops-alerts → incident store (${db.kind}) → outbound-discord → the Discord bot (discord.js, in-process) → fake Discord (in-process, 50 requests/s per bucket enforced)`,
        `storm: ${STORM_ALERTS} alerts over ${STORM_GROUPS} groups sent as ${bodies.length} cumulative notifications (20 in flight, every 10th twice); ${SCRIPTED_429S} scripted 429s (Retry-After 1 s) on posts and edits on top of the fake's own bucket limit`,
      ],
    };
  } finally {
    await closeAll();
    untrack();
    await dropPrefix(prefix);
  }
}
