// End to end with real engines: a test exporter's error rate rises, a real Prometheus evaluates the generated
// burn-rate rules (windows shortened 60x), a real Alertmanager posts the page to a webhook sink; the budget
// reader reads the same Prometheus.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { eventually } from '../../helpers/mesh-harness.ts';
import { Embed } from '../../../mesh/index.ts';
import { PrometheusClient, SLO_ALERT_NAME, budgetSummary, generateRules, readBudgets, renderRulesYaml, renderSloBudgets, sloAlertNote } from '../../../ops/slo/index.ts';
import { type RunningProcess, startAlertmanager, startPrometheus } from './prom-stack.ts';
import { testSpec } from './slo-test-spec.ts';

/** 1/60: 5m → 5s, 1h → 1m, 6h → 6m, 30d → 12h. */
const WINDOW_SCALE = 1 / 60;

/** Alertmanager's webhook body, version 4 (template/template.go Data). */
const WebhookV4 = z.object({
  version: z.literal('4'),
  groupKey: z.string(),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  alerts: z.array(z.object({ status: z.enum(['firing', 'resolved']), labels: z.record(z.string(), z.string()), annotations: z.record(z.string(), z.string()), startsAt: z.string(), endsAt: z.string(), fingerprint: z.string() })),
});
type WebhookV4 = z.infer<typeof WebhookV4>;

const spec = testSpec();
let exporter: Server;
let sink: Server;
let prometheus: RunningProcess | undefined;
let alertmanager: RunningProcess | undefined;
let client: PrometheusClient;
/** Fraction of each scrape's 100 new requests that fail. */
let errorFraction = 0;
let requests = { ok: 0, error: 0 };
const webhooks: WebhookV4[] = [];
const badWebhooks: string[] = [];

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

beforeAll(async () => {
  exporter = createServer((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    // Every scrape sees 100 more requests: Prometheus's rate() then reads the error fraction directly.
    const errors = Math.round(100 * errorFraction);
    requests = { ok: requests.ok + 100 - errors, error: requests.error + errors };
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(`# TYPE test_requests_total counter\ntest_requests_total{outcome="ok"} ${requests.ok}\ntest_requests_total{outcome="error"} ${requests.error}\n`);
  });
  sink = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const parsed = WebhookV4.safeParse(JSON.parse(body));
      if (parsed.success) webhooks.push(parsed.data);
      else badWebhooks.push(body);
      res.writeHead(200).end();
    });
  });
  const exporterPort = await listen(exporter);
  const sinkPort = await listen(sink);
  alertmanager = await startAlertmanager(`http://127.0.0.1:${sinkPort}/alertmanager`);
  prometheus = await startPrometheus({ target: `127.0.0.1:${exporterPort}`, rulesYaml: renderRulesYaml(generateRules(spec, { windowScale: WINDOW_SCALE })), alertmanager: alertmanager.url });
  client = new PrometheusClient({ baseUrl: prometheus.url, timeoutMs: 5_000 });
}, 60_000);

afterAll(async () => {
  await prometheus?.close();
  await alertmanager?.close();
  await new Promise((r) => exporter?.close(r));
  await new Promise((r) => sink?.close(r));
});

const pageAlerts = (status: 'firing' | 'resolved') => webhooks.flatMap((w) => w.alerts).filter((a) => a.status === status && a.labels.alertname === SLO_ALERT_NAME && a.labels.severity === 'page');

describe('SLO burn-rate alerts through a real Prometheus and Alertmanager', () => {
  test('GIVEN healthy traffic THEN the budget is whole, nothing burns and no alert is sent', async () => {
    await eventually(
      async () => {
        const [b] = await readBudgets(client, [spec], { windowScale: WINDOW_SCALE });
        return b?.status === 'ok' && b.burnRate === 0;
      },
      30_000,
      'Prometheus to record the SLO series',
    );
    const [budget] = await readBudgets(client, [spec], { windowScale: WINDOW_SCALE });
    expect(budget).toMatchObject({ service: 'checkout', slo: 'availability', remaining: 1, burnRate: 0, exhaustsInMs: Number.POSITIVE_INFINITY, status: 'ok' });
    expect(webhooks).toEqual([]);
  });

  test('GIVEN half the requests failing THEN the page reaches the webhook (v4) with labels, summary and runbook, and the budget shows the burn', async () => {
    errorFraction = 0.5;
    await eventually(() => pageAlerts('firing').length > 0, 45_000, `a firing page at the webhook sink (Prometheus log:\n${prometheus?.log()}\nAlertmanager log:\n${alertmanager?.log()})`);
    const [alert] = pageAlerts('firing');
    expect(alert?.labels).toMatchObject({ alertname: SLO_ALERT_NAME, severity: 'page', service: 'checkout', slo: 'availability' });
    expect(alert?.annotations.summary).toContain('checkout availability');
    expect(alert?.annotations.runbook_url).toBe('https://runbooks.example.com/checkout-availability');
    expect(alert?.endsAt).toBe('0001-01-01T00:00:00Z');
    expect(badWebhooks).toEqual([]);

    const [budget] = await readBudgets(client, [spec], { windowScale: WINDOW_SCALE });
    expect(budget?.status).toMatch(/burning|exhausted/);
    expect(budget?.burnRate).toBeGreaterThan(14.4);
    expect(budget?.remaining).toBeLessThan(1);
    if (budget?.status === 'burning') {
      // remaining × 12 h (the scaled 30d window) / burn rate.
      expect(budget.exhaustsInMs).toBeCloseTo(((budget.remaining ?? 0) * 12 * 3_600_000) / (budget.burnRate ?? 1), -3);
    }
    expect(budgetSummary(budget!)).toMatch(/error budget .*% left/);
    // What a page about this alert adds: read from the same Prometheus by the alert's labels.
    expect(await sloAlertNote(client, [spec], alert?.labels ?? {}, { windowScale: WINDOW_SCALE })).toMatch(/^checkout availability \(99% over 30d\): error budget -?\d+\.\d% left(; burning \d+×, runs out in .+ at this rate|: the budget is spent)\.$/);
    expect(await sloAlertNote(client, [spec], { ...alert?.labels, alertname: 'Other' }, { windowScale: WINDOW_SCALE })).toBeUndefined();
    const dead = new PrometheusClient({ baseUrl: 'http://127.0.0.1:1', maxRetries: 0 });
    expect(await sloAlertNote(dead, [spec], alert?.labels ?? {})).toMatch(/error budget unavailable \(Prometheus is not reachable/);
    expect(Embed.safeParse(renderSloBudgets([budget!], { now: new Date() })).success).toBe(true);
  }, 60_000);

  test('GIVEN the errors stop THEN the page resolves once its short windows are clean', async () => {
    errorFraction = 0;
    await eventually(() => pageAlerts('resolved').length > 0, 60_000, 'a resolved page at the webhook sink');
    expect(pageAlerts('resolved')[0]?.endsAt).not.toBe('0001-01-01T00:00:00Z');
  }, 70_000);

  test('GIVEN a query Prometheus rejects THEN the client throws prometheus_query_failed with its reason', async () => {
    const err = await client.query('sum(rate(test_requests_total[1m])').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'prometheus_query_failed' });
    expect((err as Error).message).toMatch(/bad_data/);
  });

  test('GIVEN nothing listening THEN the client throws prometheus_query_failed naming the URL', async () => {
    const dead = new PrometheusClient({ baseUrl: 'http://127.0.0.1:1', maxRetries: 0 });
    const err = await dead.query('up').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'prometheus_query_failed' });
    expect((err as Error).message).toContain('http://127.0.0.1:1');
  });
});
