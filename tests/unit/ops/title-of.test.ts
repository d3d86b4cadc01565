import { describe, expect, test } from 'vitest';
import { titleOf } from '../../../ops/incidents/incident-store.ts';

describe('incident titles', () => {
  test.each([
    ['a summary', { alertname: 'HighLatency', service: 'api' }, { summary: 'p99 above 2 s' }, 'HighLatency: p99 above 2 s'],
    ['no summary, an SLO group (page + ticket)', { alertname: 'SLOErrorBudgetBurn', service: 'checkout', slo: 'availability' }, {}, 'SLOErrorBudgetBurn: checkout availability'],
    ['no summary, a service', { alertname: 'DiskFull', service: 'db' }, {}, 'DiskFull: db'],
    ['nothing but the name', { alertname: 'Watchdog' }, {}, 'Watchdog'],
  ])('GIVEN %s THEN the title says what is wrong', (_what, labels, annotations, title) => {
    expect(titleOf(labels, annotations)).toBe(title);
  });
});
