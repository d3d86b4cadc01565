// The ops service in-process (real Redis, PGlite in memory) with the Discord bot against the fake Discord.
import { randomBytes } from 'node:crypto';
import type { HelixConfig } from '../../../config/index.ts';
import { createLogger } from '../../../mesh/index.ts';
import { startOps, type OpsServiceOptions, type RunningOps } from '../../../ops/ops-service.ts';
import type { Store } from '../../../store/index.ts';
import { openTestStore } from './test-store.ts';
import { REDIS_URL, testConfig } from '../../helpers/mesh-harness.ts';
import { botMessages, startDiscordMesh, type DiscordMesh } from '../discord/harness.ts';

export const TOKEN = `test-token-${randomBytes(12).toString('hex')}`;

export interface OpsMesh {
  discord: DiscordMesh;
  store: Store;
  ops: RunningOps;
  config: HelixConfig;
  /** Stops ops (the store and Redis keys stay) and starts it again. */
  restart(overrides?: Partial<HelixConfig['ops']>): Promise<RunningOps>;
  stopOps(): Promise<void>;
  startOps(overrides?: Partial<HelixConfig['ops']>): Promise<RunningOps>;
  /** Messages the bot posted in #general (edits applied). */
  messages(): ReturnType<typeof botMessages>;
  cleanup(): Promise<void>;
}

/** Fake Discord + bot, then ops on the same prefix, routing every incident to #general; `alice` is on call, `bob` is not. */
export async function startOpsMesh(ops: Partial<HelixConfig['ops']> = {}, extra: Partial<OpsServiceOptions> = {}): Promise<OpsMesh> {
  const discord = await startDiscordMesh();
  // The test plays no part on ops-actions: ops consumes them.
  await discord.ops.close();
  const { fake } = discord;
  const store = await openTestStore();
  const configFor = (o: Partial<HelixConfig['ops']>) =>
    testConfig(discord.prefix, { discord: { token: fake.token, apiUrl: fake.apiUrl, port: 0 }, ops: { port: 0, receiverToken: TOKEN, channelId: fake.channel('general').id, onCallRoleIds: [String(fake.role('on-call').id)], ...ops, ...o } });
  let config = configFor({});
  const log = createLogger('ops', process.env.OPS_TEST_LOG === '1' ? 'debug' : 'silent');
  let running: RunningOps | undefined;
  const mesh: OpsMesh = {
    discord,
    store,
    get ops() {
      if (!running) throw new Error('ops is stopped');
      return running;
    },
    get config() {
      return config;
    },
    async stopOps() {
      await running?.close();
      running = undefined;
    },
    async startOps(o = {}) {
      config = configFor(o);
      running = await startOps({ config, redisUrl: REDIS_URL, log, store, ...extra });
      return running;
    },
    async restart(o = {}) {
      await mesh.stopOps();
      return mesh.startOps(o);
    },
    messages: () => botMessages(fake, 'general'),
    async cleanup() {
      await running?.close().catch(() => undefined);
      await store.close().catch(() => undefined);
      await discord.cleanup();
    },
  };
  await mesh.startOps();
  return mesh;
}

/** An Alertmanager v4 webhook body for one group. */
export function amWebhook(groupKey: string, alerts: Array<{ fingerprint: string; status?: 'firing' | 'resolved'; labels?: Record<string, string>; annotations?: Record<string, string>; startsAt?: string; endsAt?: string }>, common: Record<string, string> = {}) {
  const list = alerts.map((a) => ({
    status: a.status ?? 'firing',
    labels: { alertname: 'TestAlert', ...common, ...a.labels },
    annotations: a.annotations ?? { summary: 'something is wrong' },
    startsAt: a.startsAt ?? '2026-11-30T01:00:00Z',
    endsAt: a.endsAt ?? (a.status === 'resolved' ? '2026-11-30T01:05:00Z' : '0001-01-01T00:00:00Z'),
    generatorURL: 'http://prometheus.local/graph?g0.expr=up',
    fingerprint: a.fingerprint,
  }));
  return {
    version: '4',
    groupKey,
    truncatedAlerts: 0,
    receiver: 'helix',
    status: list.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    alerts: list,
    groupLabels: { alertname: common.alertname ?? 'TestAlert' },
    commonLabels: { alertname: 'TestAlert', ...common },
    commonAnnotations: { summary: 'something is wrong' },
    externalURL: 'http://alertmanager.local',
  };
}

/** Posts a webhook to the ops receiver over HTTP. */
export async function postWebhook(ops: RunningOps, body: unknown, opts: { token?: string | null; path?: string } = {}): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const token = opts.token === undefined ? TOKEN : opts.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  return fetch(`${ops.url}${opts.path ?? '/alertmanager'}`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
}
