// The generated rules, checked and unit-tested by Prometheus's own promtool (Debian's prometheus 2.42) at their real windows.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { type AlertingRule, SLO_ALERT_NAME, generateRules, parseSloSpec, renderRulesYaml } from '../../../ops/slo/index.ts';
import { testSpec } from './slo-test-spec.ts';

const run = promisify(execFile);
const PROMTOOL = '/usr/bin/promtool';
const ROOT = new URL('../../../', import.meta.url).pathname;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'helix-promtool-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function promtool(...args: string[]): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run(PROMTOOL, args, { cwd: dir, timeout: 60_000 });
    return { ok: true, output: stdout + stderr };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}${e.message}` };
  }
}

describe('promtool check rules', () => {
  test("GIVEN Helix's own SLO spec THEN the generated rules pass promtool check rules", async () => {
    const spec = parseSloSpec(await readFile(join(ROOT, 'ops/slo/helix.slo.yaml'), 'utf8'), 'ops/slo/helix.slo.yaml');
    const file = join(dir, 'helix-rules.yml');
    await writeFile(file, renderRulesYaml(generateRules(spec)));
    const result = await promtool('check', 'rules', file);
    expect(result.output).toContain('SUCCESS');
    expect(result.ok).toBe(true);
    // Four SLOs, each with 8 error-ratio windows, 5 budget series and a page and a ticket alert.
    expect(result.output).toContain(`${4 * (8 + 5 + 2)} rules found`);
  });

  test('GIVEN a rule with broken PromQL THEN promtool check rules fails (the check can fail)', async () => {
    const file = join(dir, 'broken-rules.yml');
    await writeFile(file, stringify({ groups: [{ name: 'x', rules: [{ record: 'x:y', expr: 'sum(rate(foo[5m])' }] }] }));
    const result = await promtool('check', 'rules', file);
    expect(result.ok).toBe(false);
  });
});

describe('promtool test rules: burn-rate alerts at their real windows', () => {
  const rules = generateRules(testSpec());
  const alerts = rules.groups.flatMap((g) => g.rules).filter((r): r is AlertingRule => 'alert' in r);
  const page = alerts.find((a) => a.labels.severity === 'page') as AlertingRule;
  const ticket = alerts.find((a) => a.labels.severity === 'ticket') as AlertingRule;
  const expected = (rule: AlertingRule) => ({ exp_labels: rule.labels, exp_annotations: rule.annotations });
  /** 100 requests a minute, `errors` of them failing, for `minutes`; then `after` errors a minute. */
  const series = (phases: { minutes: number; errorsPerMin: number }[]) => {
    let ok = 0;
    let err = 0;
    const okValues: string[] = [];
    const errValues: string[] = [];
    for (const [i, p] of phases.entries()) {
      // promtool expanding notation: 'a+bxN' is a, a+b, ..., a+N*b (N+1 samples); later phases start one step on.
      const start = i === 0 ? 0 : 1;
      okValues.push(`${ok + start * (100 - p.errorsPerMin)}+${100 - p.errorsPerMin}x${p.minutes - start}`);
      errValues.push(`${err + start * p.errorsPerMin}+${p.errorsPerMin}x${p.minutes - start}`);
      ok += (100 - p.errorsPerMin) * p.minutes;
      err += p.errorsPerMin * p.minutes;
    }
    return [
      { series: 'test_requests_total{outcome="ok"}', values: okValues.join(' ') },
      { series: 'test_requests_total{outcome="error"}', values: errValues.join(' ') },
    ];
  };

  async function testRules(tests: unknown[]): Promise<{ ok: boolean; output: string }> {
    await writeFile(join(dir, 'rules.yml'), renderRulesYaml(rules));
    const file = join(dir, `test-${Math.random().toString(36).slice(2)}.yml`);
    await writeFile(file, stringify({ rule_files: ['rules.yml'], evaluation_interval: '1m', tests }, { aliasDuplicateObjects: false }));
    return promtool('test', 'rules', file);
  }

  test('GIVEN a 15x burn (just above 14.4x) THEN the page alert fires within the hour, and the ticket with it', async () => {
    const result = await testRules([
      {
        interval: '1m',
        input_series: series([{ minutes: 120, errorsPerMin: 15 }]),
        alert_rule_test: [
          { eval_time: '10m', alertname: SLO_ALERT_NAME, exp_alerts: [expected(page), expected(ticket)] },
          { eval_time: '65m', alertname: SLO_ALERT_NAME, exp_alerts: [expected(page), expected(ticket)] },
        ],
        promql_expr_test: [
          // Rounded: a float ratio of rates is 0.15000000000000002, and promtool compares exactly.
          { expr: 'round(slo:sli_error:ratio_rate1h, 0.0001)', eval_time: '65m', exp_samples: [{ labels: '{service="checkout",slo="availability"}', value: 0.15 }] },
          { expr: 'round(slo:current_burn_rate:ratio, 0.01)', eval_time: '65m', exp_samples: [{ labels: '{service="checkout",slo="availability"}', value: 15 }] },
          { expr: 'slo:error_budget:ratio', eval_time: '65m', exp_samples: [{ labels: 'slo:error_budget:ratio{service="checkout",slo="availability"}', value: 0.01 }] },
        ],
      },
    ]);
    expect(result.output).toContain('SUCCESS');
    expect(result.ok).toBe(true);
  });

  test('GIVEN a steady 2x burn THEN only the ticket fires, never the page', async () => {
    const result = await testRules([
      {
        interval: '1m',
        input_series: series([{ minutes: 480, errorsPerMin: 2 }]),
        alert_rule_test: [
          { eval_time: '30m', alertname: SLO_ALERT_NAME, exp_alerts: [expected(ticket)] },
          { eval_time: '7h', alertname: SLO_ALERT_NAME, exp_alerts: [expected(ticket)] },
        ],
      },
    ]);
    expect(result.output).toContain('SUCCESS');
    expect(result.ok).toBe(true);
  });

  test('GIVEN a 15x burn that stops after 70 min THEN the page clears once the short windows are clean, and the ticket after 6 h', async () => {
    const result = await testRules([
      {
        interval: '1m',
        input_series: series([
          { minutes: 70, errorsPerMin: 15 },
          { minutes: 540, errorsPerMin: 0 },
        ]),
        alert_rule_test: [
          { eval_time: '60m', alertname: SLO_ALERT_NAME, exp_alerts: [expected(page), expected(ticket)] },
          { eval_time: '105m', alertname: SLO_ALERT_NAME, exp_alerts: [expected(ticket)] },
          { eval_time: '8h', alertname: SLO_ALERT_NAME, exp_alerts: [] },
        ],
      },
    ]);
    expect(result.output).toContain('SUCCESS');
    expect(result.ok).toBe(true);
  });

  test("GIVEN Helix's metrics as its processes export them THEN slow turns ticket turn-latency, dead-lettered replies page delivery-success and failed pages page paging-success", async () => {
    const helix = generateRules(parseSloSpec(await readFile(join(ROOT, 'ops/slo/helix.slo.yaml'), 'utf8')));
    await writeFile(join(dir, 'helix-rules.yml'), renderRulesYaml(helix));
    const alertOf = (slo: string, severity: string) => {
      const rule = helix.groups.flatMap((g) => g.rules).find((r): r is AlertingRule => 'alert' in r && r.labels.slo === slo && r.labels.severity === severity) as AlertingRule;
      return { exp_labels: rule.labels, exp_annotations: rule.annotations };
    };
    const file = join(dir, 'helix-test.yml');
    await writeFile(
      file,
      stringify(
        {
          rule_files: ['helix-rules.yml'],
          evaluation_interval: '1m',
          tests: [
            {
              interval: '1m',
              input_series: [
                // Every turn answered; 80 of 100 a minute within 30 s (a 4x burn of a 95% objective).
                { series: 'helix_turns_total{role="brain",platform="discord",outcome="answered"}', values: '0+100x90' },
                { series: 'helix_turn_seconds_bucket{role="brain",platform="discord",le="30"}', values: '0+80x90' },
                { series: 'helix_turn_seconds_count{role="brain",platform="discord"}', values: '0+100x90' },
                // 90 replies a minute delivered, 10 dead-lettered (a 20x burn of 99.5%); retries and other queues do not count.
                { series: 'helix_jobs_total{role="discord",queue="outbound-discord",outcome="ok"}', values: '0+90x90' },
                { series: 'helix_jobs_total{role="discord",queue="outbound-discord",outcome="dead_lettered"}', values: '0+10x90' },
                { series: 'helix_jobs_total{role="discord",queue="outbound-discord",outcome="retry"}', values: '0+50x90' },
                { series: 'helix_jobs_total{role="brain",queue="turns",outcome="dead_lettered"}', values: '0+50x90' },
                // One page a minute through each of two transports: e-mail takes it, Twilio fails (a 50x burn of 99%).
                { series: 'helix_ops_pages_total{role="ops",transport="email",action="trigger",outcome="sent"}', values: '0+1x90' },
                { series: 'helix_ops_pages_total{role="ops",transport="twilio",action="trigger",outcome="failed"}', values: '0+1x90' },
              ],
              alert_rule_test: [
                { eval_time: '70m', alertname: SLO_ALERT_NAME, exp_alerts: [alertOf('turn-latency', 'ticket'), alertOf('delivery-success', 'page'), alertOf('delivery-success', 'ticket'), alertOf('paging-success', 'page'), alertOf('paging-success', 'ticket')] },
              ],
              promql_expr_test: [
                { expr: 'round(slo:current_burn_rate:ratio, 0.01)', eval_time: '70m', exp_samples: [
                  { labels: '{service="helix",slo="turn-success"}', value: 0 },
                  { labels: '{service="helix",slo="turn-latency"}', value: 4 },
                  { labels: '{service="helix",slo="delivery-success"}', value: 20 },
                  { labels: '{service="helix",slo="paging-success"}', value: 50 },
                ] },
              ],
            },
          ],
        },
        { aliasDuplicateObjects: false },
      ),
    );
    const result = await promtool('test', 'rules', file);
    expect(result.output).toContain('SUCCESS');
    expect(result.ok).toBe(true);
  });

  test('GIVEN a wrong expectation (a 2x burn paging) THEN promtool test rules fails (the harness can fail)', async () => {
    const result = await testRules([
      {
        interval: '1m',
        input_series: series([{ minutes: 120, errorsPerMin: 2 }]),
        alert_rule_test: [{ eval_time: '65m', alertname: SLO_ALERT_NAME, exp_alerts: [expected(page)] }],
      },
    ]);
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/FAILED/);
  });
});
