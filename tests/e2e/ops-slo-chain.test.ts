// The whole SLO paging chain with real engines: a test exporter fails half its requests → a real Prometheus
// evaluates the rules `npm run slo:rules` generates (windows shortened 60×) → the burn-rate alert goes to a real
// Alertmanager → its webhook (bearer token) reaches the ops receiver → one incident message on the fake Discord,
// through the real bot, with the error budget read back from the same Prometheus; `/slo` reads it too.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PrometheusClient, SLO_ALERT_NAME, SloStatus, generateRules, renderRulesYaml, type InstantQueryClient } from '../../ops/slo/index.ts';
import { eventually } from '../helpers/mesh-harness.ts';
import { startAlertmanager, type RunningAlertmanager } from '../integration/ops/alertmanager.ts';
import { TOKEN, startOpsMesh, type OpsMesh } from '../integration/ops/harness.ts';
import { startPrometheus, type RunningProcess } from '../integration/ops-slo/prom-stack.ts';
import { testSpec } from '../integration/ops-slo/slo-test-spec.ts';

/** 1/60: 5m → 5s, 1h → 1m, 30d → 12h; the burn shows within seconds. */
const WINDOW_SCALE = 1 / 60;

type Msg = { id: string; flags?: number; embeds: Array<{ title?: string; fields?: Array<{ name: string; value: string }> }>; components: Array<{ components: Array<{ custom_id?: string }> }> };
const incidentMsgs = (mesh: OpsMesh) => (mesh.messages() as unknown as Msg[]).filter((m) => m.embeds.length > 0 && !((m.flags ?? 0) & 64));
const field = (m: Msg | undefined, name: string) => m?.embeds[0]?.fields?.find((f) => f.name === name)?.value;

const spec = testSpec();
let exporter: Server;
let prometheus: RunningProcess | undefined;
let alertmanager: RunningAlertmanager | undefined;
let mesh: OpsMesh | undefined;
let requests = { ok: 0, error: 0 };

beforeAll(async () => {
  exporter = createServer((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    // 100 more requests per scrape, half of them failing: a 50× burn of a 99% SLO.
    requests = { ok: requests.ok + 50, error: requests.error + 50 };
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(`# TYPE test_requests_total counter\ntest_requests_total{outcome="ok"} ${requests.ok}\ntest_requests_total{outcome="error"} ${requests.error}\n`);
  });
  await new Promise<void>((resolve) => exporter.listen(0, '127.0.0.1', resolve));
  const exporterPort = (exporter.address() as { port: number }).port;
  // Ops first (its receiver URL goes into Alertmanager's config, and Alertmanager's into Prometheus's); the budget
  // reader queries the Prometheus started last.
  let client: PrometheusClient | undefined;
  const lazy: InstantQueryClient = { query: (q, o) => (client ? client.query(q, o) : Promise.reject(new Error('Prometheus not started yet'))) };
  mesh = await startOpsMesh({ mentionRoles: {} }, { slo: new SloStatus({ specs: [spec], prometheus: lazy, windowScale: WINDOW_SCALE }) });
  alertmanager = await startAlertmanager({ webhookUrl: `${mesh.ops.url}/alertmanager`, token: TOKEN, groupWait: '200ms' });
  prometheus = await startPrometheus({ target: `127.0.0.1:${exporterPort}`, rulesYaml: renderRulesYaml(generateRules(spec, { windowScale: WINDOW_SCALE })), alertmanager: alertmanager.url });
  client = new PrometheusClient({ baseUrl: prometheus.url, timeoutMs: 3_000, maxRetries: 1 });
}, 60_000);

afterAll(async () => {
  await prometheus?.close();
  await alertmanager?.stop();
  await mesh?.cleanup();
  await new Promise((r) => exporter?.close(r));
});

describe('SLO burn → Prometheus → Alertmanager → ops → Discord', () => {
  test('GIVEN half the requests failing THEN one incident message pages the burn with the budget left and time to exhaustion, and /slo shows the same SLO burning', async () => {
    await eventually(
      () => field(incidentMsgs(mesh!)[0], 'Error budget') !== undefined,
      35_000,
      `an SLO page with its budget on the fake Discord (Prometheus log:\n${prometheus?.log()}\nAlertmanager log:\n${alertmanager?.log()})`,
    );
    const [m] = incidentMsgs(mesh!);
    expect(incidentMsgs(mesh!)).toHaveLength(1);
    // Alertmanager groups the page and ticket alerts (group_by alertname): no common summary, so the title names the SLO.
    expect(m?.embeds[0]?.title).toBe(`🔥 FIRING · CRITICAL · ${SLO_ALERT_NAME}: checkout availability`);
    expect(field(m, 'Runbook')).toContain('https://runbooks.example.com/checkout-availability');
    expect(field(m, 'Error budget')).toMatch(/^checkout availability \(99% over 30d\): error budget -?\d+\.\d% left(; burning \d+×, runs out in .+ at this rate|: the budget is spent)\.\nRead from Prometheus <t:\d+:R>$/);
    const ids = m!.components.flatMap((r) => r.components.map((b) => b.custom_id ?? ''));
    expect(ids.some((id) => id.startsWith('ops:ack:inc-'))).toBe(true);
    const [incident] = await mesh!.ops.incidents.open();
    expect(incident).toMatchObject({ source: 'alertmanager', severity: 'critical', commonLabels: expect.objectContaining({ alertname: SLO_ALERT_NAME, service: 'checkout', slo: 'availability' }) });

    const ask = mesh!.discord.fake.sendInteraction({ type: 2, commandName: 'slo', user: 'bob', options: [{ type: 3, name: 'service', value: 'checkout' }] });
    const answer = (await ask.waitFor('edit-original', 15_000)).body as { embeds?: Msg['embeds'] };
    expect(answer.embeds?.[0]?.fields?.[0]?.name).toMatch(/^(🔥|⛔) checkout \/ availability$/);
    expect(answer.embeds?.[0]?.fields?.[0]?.value).toMatch(/Burn rate: \d+×/);
  }, 45_000);
});
