// `npm run dead-letters`: the operator's view of what Helix could not take, run as its own process against real
// Redis (entries written by DeadLetters, as every consumer writes them).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, test } from 'vitest';
import { DEAD_LETTER_QUEUE, DeadLetters } from '../../../mesh/index.ts';
import { REDIS_URL, dropPrefix, testPrefix } from '../../helpers/mesh-harness.ts';

const CLI = fileURLToPath(new URL('../../../ops/dead-letters-cli.ts', import.meta.url));
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

/** Runs the CLI with this prefix and Redis; resolves with its exit code and output. */
function cli(prefix: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return cliAt(REDIS_URL, prefix, ...args);
}

function cliAt(redisUrl: string, prefix: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return cliWith({ HELIX_REDIS__URL: redisUrl, HELIX_REDIS__PREFIX: prefix }, ...args);
}

/** Runs the CLI with these Helix settings in its environment. */
function cliWith(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function withEntries() {
  const prefix = testPrefix();
  const redis = new Redis(REDIS_URL);
  const dl = new DeadLetters(redis, prefix);
  cleanups.push(() => dropPrefix(prefix), () => redis.quit(), () => dl.close());
  const firstSeen = '2026-12-01T10:00:00.000Z';
  await dl.write({ queue: 'inbound', jobId: 'web-e1', payload: { text: 42 }, code: 'payload_invalid', reason: '✖ Invalid input: expected string\n  → at text', firstSeen });
  await dl.write({ queue: 'outbound-slack', jobId: 'r-web-e2', payload: { replyId: 'r-web-e2', parts: ['hello'] }, code: 'platform_rejected', reason: 'Slack refused the reply: not_in_channel', firstSeen, attempts: 1 });
  return { prefix, dl };
}

describe('npm run dead-letters', () => {
  test('GIVEN two dead letters THEN list shows each with its id, queue, code and the first line of its reason, and filters by queue and code', async () => {
    const { prefix } = await withEntries();
    const all = await cli(prefix, 'list');
    expect(all.code).toBe(0);
    expect(all.stdout.trim().split('\n')).toEqual([
      'dl-inbound-web-e1  inbound  payload_invalid  2026-12-01T10:00:00.000Z  attempts 0  ✖ Invalid input: expected string',
      'dl-outbound-slack-r-web-e2  outbound-slack  platform_rejected  2026-12-01T10:00:00.000Z  attempts 1  Slack refused the reply: not_in_channel',
    ]);
    expect(all.stderr).toContain('2 dead letters');
    expect((await cli(prefix, 'list', '--queue', 'outbound-slack')).stdout).not.toContain('dl-inbound-web-e1');
    expect((await cli(prefix, 'list', '--code', 'payload_invalid')).stdout.trim()).toMatch(/^dl-inbound-web-e1 /);
  });

  test('GIVEN an id THEN show prints the whole entry with its payload, and drop removes it for good', async () => {
    const { prefix, dl } = await withEntries();
    const shown = await cli(prefix, 'show', 'dl-inbound-web-e1');
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ id: 'dl-inbound-web-e1', queue: 'inbound', jobId: 'web-e1', payload: { text: 42 }, reason: '✖ Invalid input: expected string\n  → at text' });

    const dropped = await cli(prefix, 'drop', 'dl-inbound-web-e1', 'dl-nothing');
    expect(dropped.code).toBe(1);
    expect(dropped.stdout).toContain('dropped dl-inbound-web-e1');
    expect(dropped.stderr).toContain('no dead letter dl-nothing');
    expect((await dl.stored()).map((s) => s.id)).toEqual(['dl-outbound-slack-r-web-e2']);
    expect((await cli(prefix, 'show', 'dl-inbound-web-e1')).code).toBe(1);
  });

  test('GIVEN an entry older than redis.deadLetterKeepDays THEN trim removes it and keeps the newer one; --older-than-days sets another age', async () => {
    const { prefix, dl } = await withEntries();
    const redis = new Redis(REDIS_URL);
    cleanups.push(() => redis.quit());
    await redis.hset(`${prefix}:${DEAD_LETTER_QUEUE}:dl-inbound-web-e1`, 'timestamp', String(Date.now() - 31 * 86_400_000));
    const keptLonger = await cli(prefix, 'trim', '--older-than-days', '40');
    expect(keptLonger).toMatchObject({ code: 0, stdout: 'trimmed 0 dead letters older than 40 days\n' });
    const trimmed = await cli(prefix, 'trim');
    expect(trimmed).toMatchObject({ code: 0, stdout: 'trimmed 1 dead letter older than 30 days\n' });
    expect((await dl.stored()).map((s) => s.id)).toEqual(['dl-outbound-slack-r-web-e2']);
  });

  test('GIVEN redis.deadLetterKeepDays 0 THEN a bare trim removes nothing and asks for an age', async () => {
    const { prefix, dl } = await withEntries();
    const r = await cliWith({ HELIX_REDIS__URL: REDIS_URL, HELIX_REDIS__PREFIX: prefix, HELIX_REDIS__DEAD_LETTER_KEEP_DAYS: '0' }, 'trim');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('trim --older-than-days 30');
    expect(await dl.stored()).toHaveLength(2);
  });

  test('GIVEN a command it does not know or a bad option THEN it exits 2 with the reason and the usage, touching nothing', async () => {
    const { prefix, dl } = await withEntries();
    for (const args of [[], ['purge'], ['list', '--limit', 'ten'], ['list', '--queue'], ['show'], ['drop'], ['trim', '--older-than-days', '0'], ['trim', '--days', '3']]) {
      const r = await cli(prefix, ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain('usage: npm run dead-letters');
    }
    expect(await dl.stored()).toHaveLength(2);
  });
  test('GIVEN a Redis that does not answer THEN it exits 1 naming the host and what to set, never the password', async () => {
    const r = await cliAt('redis://helix:s3cret@127.0.0.1:1', testPrefix(), 'list');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot read the dead-letter queue at 127.0.0.1:1');
    expect(r.stderr).toContain('Set redis.url (or REDIS_URL)');
    expect(r.stderr).not.toContain('s3cret');
  });
});
