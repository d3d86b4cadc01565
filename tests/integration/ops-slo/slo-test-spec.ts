// A small SLO spec the ops-slo tests share: 99% of test requests succeed over 30 days.
import { parseSloSpec, type SloSpecFile } from '../../../ops/slo/index.ts';

export const TEST_SPEC_YAML = `
version: 1
service: checkout
runbook: https://runbooks.example.com/checkout-availability
slos:
  - name: availability
    description: Requests answered without error
    objective: 99
    window: 30d
    sli:
      good: sum(rate(test_requests_total{outcome="ok"}[{{window}}]))
      total: sum(rate(test_requests_total[{{window}}]))
`;

export function testSpec(): SloSpecFile {
  return parseSloSpec(TEST_SPEC_YAML, 'test.slo.yaml');
}
