// `/slo` through the real Discord bot and ops, budgets from a fake Prometheus: anyone may ask, the answer is
// private unless shared; and an SLO burn-rate page shows the error budget on its incident message.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { PageRequest, Pager } from '../../../ops/paging/pager.ts';
import { PrometheusClient, SLO_ALERT_NAME, SloStatus, parseSloSpec } from '../../../ops/slo/index.ts';
import { eventually } from '../../helpers/mesh-harness.ts';
import { testSpec } from '../ops-slo/slo-test-spec.ts';
import { startFakePrometheus, type FakePrometheus } from './fake-prometheus.ts';
import { amWebhook, postWebhook, startOpsMesh, type OpsMesh } from './harness.ts';

type Msg = { id: string; content: string; flags?: number; embeds: Array<{ title?: string; description?: string; footer?: { text: string }; fields?: Array<{ name: string; value: string }> }> };
const EPHEMERAL = 1 << 6;
const all = (mesh: OpsMesh) => mesh.messages() as unknown as Msg[];
const publicMsgs = (mesh: OpsMesh) => all(mesh).filter((m) => !((m.flags ?? 0) & EPHEMERAL));
const field = (m: Msg | undefined, name: string) => m?.embeds[0]?.fields?.find((f) => f.name === name)?.value;

const searchSpec = parseSloSpec(
  `version: 1
service: search
runbook: https://runbooks.example.com/search
slos:
  - name: latency
    objective: 95
    sli:
      good: sum(rate(search_fast_total[{{window}}]))
      total: sum(rate(search_total[{{window}}]))
`,
  'search.slo.yaml',
);

let prom: FakePrometheus;
let mesh: OpsMesh | undefined;

beforeAll(async () => {
  prom = await startFakePrometheus();
});
afterAll(async () => {
  await prom?.close();
});
afterEach(async () => {
  await mesh?.cleanup();
  mesh = undefined;
  prom.failWith = undefined;
  prom.queries.length = 0;
});

const sloStatus = () => new SloStatus({ specs: [testSpec(), searchSpec], prometheus: new PrometheusClient({ baseUrl: prom.url, maxRetries: 0, timeoutMs: 3_000 }) });

describe('/slo in Discord', () => {
  test('GIVEN /slo by someone without an on-call role THEN they alone get every SLO with objective, budget left and burn rate, worst first', async () => {
    prom.slos = [
      { service: 'checkout', slo: 'availability', remaining: 0.42, burnRate: 50 },
      { service: 'search', slo: 'latency', remaining: 0.97, burnRate: 0.2 },
    ];
    mesh = await startOpsMesh({}, { slo: sloStatus() });
    const { fake } = mesh.discord;
    const ask = fake.sendInteraction({ type: 2, commandName: 'slo', user: 'bob' });
    const answer = (await ask.waitFor('edit-original', 20_000)).body as { embeds?: Msg['embeds'] };
    const embed = answer.embeds?.[0];
    expect(embed?.title).toBe('SLOs');
    expect(embed?.fields?.map((f) => f.name)).toEqual(['🔥 checkout / availability', '✅ search / latency']);
    expect(embed?.fields?.[0]?.value).toContain('Target 99% over 30d');
    expect(embed?.fields?.[0]?.value).toContain('Budget left: **42.0%**');
    expect(embed?.fields?.[0]?.value).toMatch(/Burn rate: 50× · runs out in .+ at this rate/);
    expect(embed?.fields?.[1]?.value).toContain('Target 95% over 30d');
    // Private: the only bot message is the ephemeral interaction response.
    await eventually(() => all(mesh!).some((m) => (m.flags ?? 0) & EPHEMERAL && m.embeds.length > 0), 5_000, 'the ephemeral answer');
    expect(publicMsgs(mesh)).toEqual([]);
    expect(prom.queries).toEqual(expect.arrayContaining(['slo:period_error_budget_remaining:ratio', 'slo:current_burn_rate:ratio']));
  }, 60_000);

  test('GIVEN /slo service:checkout share:true THEN the card is posted in the channel naming who shared it, and the asker gets a private confirmation', async () => {
    prom.slos = [{ service: 'checkout', slo: 'availability', remaining: -0.1, burnRate: 3 }];
    mesh = await startOpsMesh({}, { slo: sloStatus() });
    const { fake } = mesh.discord;
    const ask = fake.sendInteraction({ type: 2, commandName: 'slo', user: 'bob', options: [{ type: 3, name: 'service', value: 'checkout' }, { type: 5, name: 'share', value: true }] });
    expect(JSON.stringify((await ask.waitFor('edit-original', 20_000)).body)).toContain('Posted the SLO status in this channel');
    await eventually(() => publicMsgs(mesh!).length === 1, 15_000, 'the shared card in the channel');
    const [shared] = publicMsgs(mesh);
    expect(shared?.embeds[0]?.title).toBe('SLOs of checkout');
    expect(shared?.embeds[0]?.footer?.text).toMatch(/^Shared by Bob/);
    expect(field(shared, '⛔ checkout / availability')).toContain('Budget left: **-10.0%**');
    expect(prom.queries).toContain('slo:period_error_budget_remaining:ratio{service="checkout"}');
  }, 60_000);

  test('GIVEN an unknown service, or Prometheus failing THEN the asker is told why privately and nothing is posted', async () => {
    mesh = await startOpsMesh({}, { slo: sloStatus() });
    const { fake } = mesh.discord;
    const unknown = fake.sendInteraction({ type: 2, commandName: 'slo', user: 'bob', options: [{ type: 3, name: 'service', value: 'nope' }] });
    expect(JSON.stringify((await unknown.waitFor('edit-original', 20_000)).body)).toContain('No SLOs are defined for nope. Known services: checkout, search.');
    expect(prom.queries).toEqual([]);

    prom.failWith = 503;
    const failing = fake.sendInteraction({ type: 2, commandName: 'slo', user: 'alice' });
    const text = JSON.stringify((await failing.waitFor('edit-original', 20_000)).body);
    expect(text).toContain('Could not read the error budgets');
    expect(text).toContain(`Prometheus at ${prom.url} answered 503`);
    expect(publicMsgs(mesh)).toEqual([]);
  }, 60_000);
});

describe('SLO pages', () => {
  test('GIVEN a firing SLO burn-rate alert THEN its incident message shows the error budget left and time to exhaustion; another alert queries nothing', async () => {
    prom.slos = [{ service: 'checkout', slo: 'availability', remaining: 0.5, burnRate: 30 }];
    mesh = await startOpsMesh({}, { slo: sloStatus() });
    const labels = { alertname: SLO_ALERT_NAME, service: 'checkout', slo: 'availability', severity: 'page' };
    const res = await postWebhook(mesh.ops, amWebhook(`{}:{alertname="${SLO_ALERT_NAME}"}`, [{ fingerprint: '5105105105105105', labels }], labels));
    expect(res.status).toBe(200);
    await eventually(() => field(publicMsgs(mesh!)[0], 'Error budget') !== undefined, 20_000, 'the budget line on the incident message');
    const m = publicMsgs(mesh)[0];
    // 30d window: half the budget at 30× lasts 0.5 × 30 d / 30 = 12 h.
    expect(field(m, 'Error budget')).toContain('checkout availability (99% over 30d): error budget 50.0% left; burning 30×, runs out in 12 h at this rate.');
    expect(publicMsgs(mesh)).toHaveLength(1);
    const [incident] = await mesh.ops.incidents.open();
    expect((await mesh.ops.incidents.timeline(incident!.id)).filter((t) => t.kind === 'slo_budget')).toHaveLength(1);

    prom.queries.length = 0;
    await postWebhook(mesh.ops, amWebhook('{}:{alertname="DiskFull"}', [{ fingerprint: 'd15cd15cd15cd15c' }], { alertname: 'DiskFull', severity: 'warning' }));
    await eventually(() => publicMsgs(mesh!).length === 2, 20_000, 'the second incident message');
    expect(field(publicMsgs(mesh).find((x) => x.embeds[0]?.title?.includes('DiskFull')), 'Error budget')).toBeUndefined();
    expect(prom.queries).toEqual([]);
  }, 60_000);

  test('GIVEN Prometheus down when an SLO page fires THEN the page still goes out and says the budget is unavailable', async () => {
    prom.failWith = 500;
    mesh = await startOpsMesh({}, { slo: sloStatus() });
    const labels = { alertname: SLO_ALERT_NAME, service: 'checkout', slo: 'availability', severity: 'page' };
    await postWebhook(mesh.ops, amWebhook(`{}:{alertname="${SLO_ALERT_NAME}"}`, [{ fingerprint: '5105105105105106', labels }], labels));
    await eventually(() => field(publicMsgs(mesh!)[0], 'Error budget') !== undefined, 20_000, 'the budget line on the incident message');
    expect(field(publicMsgs(mesh)[0], 'Error budget')).toMatch(/^checkout availability: error budget unavailable \(Prometheus at .+ answered 500/);
    expect(publicMsgs(mesh)[0]?.embeds[0]?.title).toContain('FIRING');
  }, 60_000);

  test('GIVEN nobody acknowledges an SLO page THEN the escalation page (PagerDuty, SMS, e-mail) carries the budget line too', async () => {
    prom.slos = [{ service: 'checkout', slo: 'availability', remaining: 0.25, burnRate: 20 }];
    const pages: PageRequest[] = [];
    const pager: Pager = { kind: 'pagerduty', page: async (r) => void pages.push(r), close: async () => {} };
    mesh = await startOpsMesh({ escalationSec: { critical: 1 } }, { slo: sloStatus(), pagers: [pager] });
    const labels = { alertname: SLO_ALERT_NAME, service: 'checkout', slo: 'availability', severity: 'page' };
    await postWebhook(mesh.ops, amWebhook(`{}:{alertname="${SLO_ALERT_NAME}"}`, [{ fingerprint: '5105105105105107', labels }], labels));
    await eventually(() => pages.length === 1, 30_000, 'the escalation page');
    expect(pages[0]?.summary).toBe(`[critical] ${SLO_ALERT_NAME}: something is wrong | checkout availability (99% over 30d): error budget 25.0% left; burning 20×, runs out in 9 h at this rate.`);
  }, 60_000);
});
