import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { type AlertingRule, type RecordingRule, BURN_RATE_WINDOWS, generateRules, parseSloSpec, renderRulesYaml, scaleWindow } from '../../../../ops/slo/index.ts';
import { formatDuration, humanDuration, parseDuration } from '../../../../ops/slo/duration.ts';

const spec = parseSloSpec(`version: 1
service: checkout
labels: {team: payments}
slos:
  - name: availability
    objective: 99.9
    runbook: https://runbooks.example.com/a
    sli:
      good: sum(rate(http_requests_total{code!~"5.."}[{{window}}]))
      total: sum(rate(http_requests_total[{{window}}]))
  - name: quiet
    objective: 95
    window: 7d
    runbook: https://runbooks.example.com/q
    alerting: {page: false}
    sli:
      good: sum(rate(jobs_total{outcome="ok"}[{{window}}]))
      total: sum(rate(jobs_total[{{window}}]))
`);

describe('generateRules', () => {
  const rules = generateRules(spec);
  const [availability, quiet] = rules.groups;
  const alerts = (g: typeof availability) => (g?.rules ?? []).filter((r): r is AlertingRule => 'alert' in r);
  const records = (g: typeof availability) => (g?.rules ?? []).filter((r): r is RecordingRule => 'record' in r);

  test('GIVEN an SLO THEN error ratios are recorded for every alert window and the SLO window, with the query window filled in', () => {
    const names = records(availability).map((r) => r.record);
    for (const w of ['5m', '30m', '1h', '2h', '6h', '1d', '3d', '30d']) expect(names).toContain(`slo:sli_error:ratio_rate${w}`);
    const r5m = records(availability).find((r) => r.record === 'slo:sli_error:ratio_rate5m');
    expect(r5m?.expr).toBe('1 - ((sum(rate(http_requests_total{code!~"5.."}[5m]))) / (sum(rate(http_requests_total[5m]))))');
    expect(r5m?.labels).toEqual({ team: 'payments', service: 'checkout', slo: 'availability' });
  });

  test('GIVEN 99.9% THEN the page alert is 14.4x over 1h and 5m or 6x over 6h and 30m, the ticket 3x over 1d/2h or 1x over 3d/6h', () => {
    const [page, ticket] = alerts(availability);
    expect(page?.labels).toEqual({ team: 'payments', service: 'checkout', slo: 'availability', severity: 'page' });
    expect(page?.expr).toContain('slo:sli_error:ratio_rate1h{service="checkout",slo="availability"} > 0.0144');
    expect(page?.expr).toContain('slo:sli_error:ratio_rate5m{service="checkout",slo="availability"} > 0.0144');
    expect(page?.expr).toContain('slo:sli_error:ratio_rate6h{service="checkout",slo="availability"} > 0.006');
    expect(page?.expr).toContain('slo:sli_error:ratio_rate30m{service="checkout",slo="availability"} > 0.006');
    expect(ticket?.labels.severity).toBe('ticket');
    expect(ticket?.expr).toContain('ratio_rate1d{service="checkout",slo="availability"} > 0.003');
    expect(ticket?.expr).toContain('ratio_rate2h{service="checkout",slo="availability"} > 0.003');
    expect(ticket?.expr).toContain('ratio_rate3d{service="checkout",slo="availability"} > 0.001');
    expect(ticket?.expr).toContain('ratio_rate6h{service="checkout",slo="availability"} > 0.001');
    expect(page?.annotations).toMatchObject({ runbook_url: 'https://runbooks.example.com/a' });
    expect(page?.annotations.summary).toContain('checkout availability');
  });

  test('GIVEN alerting.page false THEN only the ticket alert is generated', () => {
    expect(alerts(quiet).map((a) => a.labels.severity)).toEqual(['ticket']);
    expect(records(quiet).map((r) => r.record)).toContain('slo:sli_error:ratio_rate7d');
  });

  test('GIVEN a window scale of 1/60 THEN every window shrinks (5m → 5s, 1h → 1m, 30d → 12h)', () => {
    const scaled = generateRules(spec, { windowScale: 1 / 60 });
    const names = records(scaled.groups[0]).map((r) => r.record);
    expect(names.filter((n) => n.startsWith('slo:sli_error'))).toEqual(['5s', '30s', '1m', '2m', '6m', '24m', '1h12m', '12h'].map((w) => `slo:sli_error:ratio_rate${w}`));
    expect(alerts(scaled.groups[0])[0]?.expr).toContain('ratio_rate1m{');
  });

  test('GIVEN the same SLO twice THEN generation refuses', () => {
    expect(() => generateRules([spec, spec])).toThrow(/checkout\/availability is defined twice/);
  });

  test('GIVEN rendered YAML THEN it round-trips without YAML anchors', () => {
    const yaml = renderRulesYaml(rules);
    expect(yaml).not.toMatch(/[&*]a\d/);
    expect(parse(yaml)).toEqual(JSON.parse(JSON.stringify(rules)));
  });

  test('GIVEN the burn-rate table THEN it matches the SRE workbook', () => {
    expect(BURN_RATE_WINDOWS.map((w) => `${w.severity} ${w.factor} ${w.long}/${w.short}`)).toEqual(['page 14.4 1h/5m', 'page 6 6h/30m', 'ticket 3 1d/2h', 'ticket 1 3d/6h']);
  });
});

describe('durations', () => {
  test.each([
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['30d', 2_592_000_000],
    ['2w', 1_209_600_000],
    ['250ms', 250],
  ])('GIVEN %s THEN it is %d ms and formats back', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
    expect(parseDuration(formatDuration(ms))).toBe(ms);
  });

  test.each(['', '5', 'm5', '5 m', '1m1h', '0s', '-5m'])('GIVEN %j THEN it is not a duration', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  test('GIVEN scaling below a second THEN the window is at least 1s', () => {
    expect(scaleWindow('5m', 1 / 1_000)).toBe('1s');
    expect(humanDuration(93_784_000)).toBe('1 d 2 h');
    expect(humanDuration(Number.POSITIVE_INFINITY)).toBe('never');
  });
});
