import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadSloSpecs, parseSloSpec } from '../../../../ops/slo/index.ts';

const ROOT = new URL('../../../../', import.meta.url).pathname;

const GOOD = `version: 1
service: checkout
runbook: https://runbooks.example.com/checkout
slos:
  - name: availability
    objective: 99.9
    sli:
      good: sum(rate(http_requests_total{code!~"5.."}[{{window}}]))
      total: sum(rate(http_requests_total[{{window}}]))
`;

function problemsOf(yaml: string): string {
  try {
    parseSloSpec(yaml, 'checkout.slo.yaml');
  } catch (err) {
    expect(err).toMatchObject({ code: 'slo_spec_invalid' });
    return (err as Error).message;
  }
  throw new Error('expected the spec to be rejected');
}

describe('parseSloSpec', () => {
  test('GIVEN a minimal spec THEN defaults fill in (30d window, page and ticket alerts)', () => {
    const spec = parseSloSpec(GOOD);
    expect(spec.slos[0]).toMatchObject({ name: 'availability', objective: 99.9, window: '30d', alerting: { page: true, ticket: true }, labels: {} });
  });

  test("GIVEN Helix's own spec THEN it parses, with turn latency, delivery and paging SLOs", () => {
    const spec = parseSloSpec(readFileSync(`${ROOT}ops/slo/helix.slo.yaml`, 'utf8'));
    expect(spec.service).toBe('helix');
    expect(spec.slos.map((s) => s.name)).toEqual(['turn-success', 'turn-latency', 'delivery-success', 'paging-success']);
  });

  test.each([
    ['an objective of 100', GOOD.replace('99.9', '100'), /checkout\.slo\.yaml:6: slos\[0\]\.objective: must be a percentage below 100/],
    ['an objective given as a ratio string', GOOD.replace('99.9', '"0.999"'), /:6: slos\[0\]\.objective: .*expected number/i],
    ['a query without {{window}}', GOOD.replace('[{{window}}]))\n    ', '[5m]))\n    '), /:8: slos\[0\]\.sli\.good: must contain \{\{window\}\}/],
    ['a bad window', GOOD.replace('    sli:', '    window: 30days\n    sli:'), /:7: slos\[0\]\.window: must be a Prometheus duration/],
    ['an unknown key', GOOD.replace('    sli:', '    target: 3\n    sli:'), /slos\[0\]: unknown key\(s\) target/],
    ['a reserved label', GOOD.replace('    sli:', '    labels: {severity: high}\n    sli:'), /slos\[0\]\.labels: must not set slo, service, severity/],
    ['no runbook anywhere', GOOD.replace('runbook: https://runbooks.example.com/checkout\n', ''), /slos\[0\]\.runbook: required: set runbook on this SLO or at the top of the file/],
    ['a wrong version', GOOD.replace('version: 1', 'version: 2'), /:1: version: must be 1/],
    ['no SLOs', 'version: 1\nservice: x\nruntime: 1\nslos: []\n', /slos: must list at least one SLO[\s\S]*unknown key\(s\) runtime/],
    ['an uppercase service name', GOOD.replace('service: checkout', 'service: Checkout'), /:2: service: must be lowercase/],
  ])('GIVEN %s THEN the error names the file, line and key', (_what, yaml, expected) => {
    expect(problemsOf(yaml)).toMatch(expected);
  });

  test('GIVEN two SLOs with one name THEN the second is named as the duplicate', () => {
    const slo = GOOD.slice(GOOD.indexOf('  - name'));
    expect(problemsOf(GOOD + slo)).toMatch(/slos\[1\]\.name: duplicates an earlier SLO named availability/);
  });

  test('GIVEN broken YAML THEN the error gives the line and column', () => {
    expect(problemsOf('version: 1\nservice: [unclosed\n')).toMatch(/checkout\.slo\.yaml:\d+:\d+: not valid YAML/);
  });
});

describe('loadSloSpecs (slo.specFiles)', () => {
  test('GIVEN a missing file and an invalid one THEN both are listed in one slo_spec_invalid error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'helix-slo-specs-'));
    try {
      await writeFile(join(dir, 'bad.slo.yaml'), GOOD.replace('99.9', '101'));
      await writeFile(join(dir, 'good.slo.yaml'), GOOD);
      expect((await loadSloSpecs(['good.slo.yaml'], dir)).map((s) => s.service)).toEqual(['checkout']);
      const err = await loadSloSpecs(['missing.slo.yaml', 'bad.slo.yaml', 'good.slo.yaml'], dir).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'slo_spec_invalid' });
      expect((err as Error).message).toMatch(/missing\.slo\.yaml: cannot be read \(ENOENT\)[\s\S]*bad\.slo\.yaml:6: slos\[0\]\.objective/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
