import { describe, expect, test } from 'vitest';
import { childTraceparent, newTraceparent, Traceparent, traceIdOf } from '../../../mesh/trace.ts';

describe('trace ids', () => {
  test('GIVEN many new traces (several refills of the id pool) THEN each is a valid traceparent and no trace or span id repeats', () => {
    const made = Array.from({ length: 2_000 }, () => newTraceparent());
    for (const tp of made) expect(Traceparent.safeParse(tp).success).toBe(true);
    expect(new Set(made.map(traceIdOf)).size).toBe(made.length);
    expect(new Set(made.map((tp) => tp.split('-')[2])).size).toBe(made.length);
  });

  test('GIVEN a hop THEN the child keeps the trace id and flags and gets a span id of its own', () => {
    const parent = Traceparent.parse('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    const children = Array.from({ length: 500 }, () => childTraceparent(parent));
    for (const child of children) {
      expect(child).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
      expect(Traceparent.safeParse(child).success).toBe(true);
    }
    expect(new Set(children.map((c) => c.split('-')[2])).size).toBe(children.length);
    expect(children.map((c) => c.split('-')[2])).not.toContain('00f067aa0ba902b7');
  });
});
