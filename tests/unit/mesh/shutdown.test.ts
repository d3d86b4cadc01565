import pino from 'pino';
import { describe, expect, test } from 'vitest';
import { runCloseSteps, withDeadline } from '../../../mesh/index.ts';

const silent = pino({ level: 'silent' });

describe('runCloseSteps', () => {
  test('GIVEN a step that never finishes THEN it is cut at the deadline, forced, and the later steps still run in order', async () => {
    const ran: string[] = [];
    const t0 = performance.now();
    await runCloseSteps(
      [
        ['http', () => void ran.push('http')],
        ['delivery', () => new Promise(() => ran.push('delivery')), () => void ran.push('delivery (forced)')],
        ['redis', async () => void ran.push('redis')],
      ],
      { log: silent, deadlineMs: 100 },
    );
    expect(ran).toEqual(['http', 'delivery', 'delivery (forced)', 'redis']);
    expect(performance.now() - t0).toBeLessThan(2_000);
  });

  test('GIVEN a step that throws THEN the failure is logged with the step name and the next step runs', async () => {
    const warnings: unknown[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line)) });
    const ran: string[] = [];
    await runCloseSteps([['queues', () => Promise.reject(new Error('boom'))], ['redis', () => void ran.push('redis')]], { log, deadlineMs: 1_000 });
    expect(ran).toEqual(['redis']);
    expect(warnings).toEqual([expect.objectContaining({ step: 'queues', err: 'boom', msg: 'shutdown step did not finish cleanly' })]);
  });
});

describe('withDeadline', () => {
  test('GIVEN a promise slower than the deadline THEN rejects naming it; a fast one resolves with its value', async () => {
    await expect(withDeadline(new Promise(() => {}), 50, 'the slow thing')).rejects.toThrow('the slow thing did not finish within 50 ms');
    await expect(withDeadline(Promise.resolve(7), 1_000, 'fast')).resolves.toBe(7);
  });
});
