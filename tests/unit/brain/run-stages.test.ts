import { Registry } from 'prom-client';
import { describe, expect, test } from 'vitest';
import { Histogram } from '../../../mesh/index.ts';
import { runStages } from '../../../brain/turn/run-stages.ts';
import type { TurnContext, TurnStage } from '../../../brain/turn/turn-context.ts';

// runStages only reads the signal; the stages below keep their own record.
const ctx = () => ({ signal: new AbortController().signal }) as TurnContext;
const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 5));

function recorder() {
  const events: string[] = [];
  const stage = (name: string, opts: { fail?: boolean; ticks?: number } = {}): TurnStage => ({
    name,
    async run() {
      events.push(`start ${name}`);
      for (let i = 0; i < (opts.ticks ?? 1); i++) await tick();
      events.push(`end ${name}`);
      if (opts.fail) throw new Error(`${name} failed`);
    },
  });
  return { events, stage };
}

describe('runStages', () => {
  test('GIVEN single stages THEN each starts after the one before has ended', async () => {
    const { events, stage } = recorder();
    await runStages(ctx(), [stage('a'), stage('b')]);
    expect(events).toEqual(['start a', 'end a', 'start b', 'end b']);
  });

  test('GIVEN a step of several stages THEN they all start before any ends, and the next step waits for all of them', async () => {
    const { events, stage } = recorder();
    await runStages(ctx(), [[stage('a', { ticks: 2 }), stage('b')], stage('c')]);
    expect(events.slice(0, 2).sort()).toEqual(['start a', 'start b']);
    expect(events.indexOf('start c')).toBe(4);
    expect(events.indexOf('end a')).toBeLessThan(events.indexOf('start c'));
  });

  test('GIVEN a stage of a step fails THEN its error is thrown only after its sibling has finished, and later steps do not run', async () => {
    const { events, stage } = recorder();
    const run = runStages(ctx(), [[stage('a', { fail: true }), stage('b', { ticks: 3 })], stage('c')]);
    await expect(run).rejects.toThrow('a failed');
    expect(events).toContain('end b');
    expect(events).not.toContain('start c');
  });

  test('GIVEN a step of several stages THEN each stage is timed under its own name', async () => {
    const registry = new Registry();
    const seconds = new Histogram({ name: 'stage_seconds', help: 'h', labelNames: ['stage'], registers: [registry] });
    const { stage } = recorder();
    await runStages(ctx(), [[stage('a'), stage('b')]], seconds);
    const values = (await seconds.get()).values.filter((v) => v.metricName === 'stage_seconds_count');
    expect(Object.fromEntries(values.map((v) => [v.labels.stage, v.value]))).toEqual({ a: 1, b: 1 });
  });

  test('GIVEN the turn is aborted THEN no further step starts', async () => {
    const { events, stage } = recorder();
    const abort = new AbortController();
    const aborting: TurnStage = { name: 'abort', run: async () => abort.abort(new Error('turn timed out')) };
    await expect(runStages({ signal: abort.signal } as TurnContext, [aborting, [stage('a'), stage('b')]])).rejects.toThrow('turn timed out');
    expect(events).toEqual([]);
  });
});
