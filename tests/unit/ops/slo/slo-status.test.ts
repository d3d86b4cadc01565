// SloStatus: what `/slo` says when it cannot show budgets, and how `slo.specFiles` problems surface instead of stopping ops.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { createLogger } from '../../../../mesh/index.ts';
import { SLO_ALERT_NAME, SloStatus } from '../../../../ops/slo/index.ts';

const log = createLogger('ops', 'silent');
const SPEC = `version: 1
service: checkout
runbook: https://runbooks.example.com/checkout
slos:
  - name: availability
    objective: 99
    sli:
      good: sum(rate(ok_total[{{window}}]))
      total: sum(rate(all_total[{{window}}]))
`;

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'helix-slo-status-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('SloStatus', () => {
  test('GIVEN spec files but no slo.prometheusUrl THEN /slo says which key to set, and SLO pages add no line', async () => {
    const status = await SloStatus.fromConfig({ specFiles: ['checkout.slo.yaml'], queryTimeoutMs: 1_000 }, dirWith({ 'checkout.slo.yaml': SPEC }), log);
    const answer = await status.budgets();
    expect(answer.ok).toBe(false);
    expect(!answer.ok && answer.reason).toContain('slo.prometheusUrl');
    expect(await status.alertNote({ alertname: SLO_ALERT_NAME, service: 'checkout', slo: 'availability' })).toBeUndefined();
  });

  test('GIVEN an unknown service THEN the answer lists the known ones without asking Prometheus', async () => {
    const status = await SloStatus.fromConfig({ specFiles: ['checkout.slo.yaml'], prometheusUrl: 'http://127.0.0.1:1', queryTimeoutMs: 1_000 }, dirWith({ 'checkout.slo.yaml': SPEC }), log);
    expect(await status.budgets('search')).toEqual({ ok: false, reason: 'No SLOs are defined for search. Known services: checkout.' });
  });

  test('GIVEN a broken spec file THEN ops still starts, and /slo names the file, line and key to fix', async () => {
    const status = await SloStatus.fromConfig({ specFiles: ['bad.slo.yaml', 'missing.slo.yaml'], prometheusUrl: 'http://127.0.0.1:1', queryTimeoutMs: 1_000 }, dirWith({ 'bad.slo.yaml': SPEC.replace('objective: 99', 'objective: 100') }), log);
    const answer = await status.budgets();
    expect(answer.ok).toBe(false);
    if (answer.ok) return;
    expect(answer.reason).toMatch(/^The SLO spec files could not be loaded, so there is nothing to show\. Fix slo\.specFiles:/);
    expect(answer.reason).toMatch(/bad\.slo\.yaml:\d+: slos\[0\]\.objective: must be a percentage below 100/);
    expect(answer.reason).toContain('missing.slo.yaml: cannot be read (ENOENT)');
  });

  test('GIVEN Prometheus unreachable THEN /slo explains, naming the URL (never throws)', async () => {
    const status = await SloStatus.fromConfig({ specFiles: ['checkout.slo.yaml'], prometheusUrl: 'http://127.0.0.1:1', queryTimeoutMs: 1_000 }, dirWith({ 'checkout.slo.yaml': SPEC }), log);
    const answer = await status.budgets();
    expect(!answer.ok && answer.reason).toMatch(/^Could not read the error budgets: Prometheus is not reachable at http:\/\/127\.0\.0\.1:1/);
  });
});
