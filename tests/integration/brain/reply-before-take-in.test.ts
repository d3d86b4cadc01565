// A reply does not wait for Helix to take the turn in: emotion and memory writes run after it is sent, and
// the conversation's next turn waits for them. Shown with real PostgreSQL: while a test transaction holds the
// memory and relationship tables against writes (reads still pass), the reply arrives; the take-in finishes
// once the tables are free.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { startFakeOpenAi, type FakeOpenAi } from '../../fakes/llm/index.ts';
import { InboundProducer, OutboundCollector, dropPrefix, eventually, makeTurn, startTestBrain, testConfig, testPrefix, turnsDone } from '../../helpers/mesh-harness.ts';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 120_000 });

const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `t_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const prefix = testPrefix();
let model: FakeOpenAi;
let brain: Awaited<ReturnType<typeof startTestBrain>>;
let producer: InboundProducer;
let web: OutboundCollector;
let db: pg.Client;

beforeAll(async () => {
  model = await startFakeOpenAi();
  const config = testConfig(prefix, {
    store: { databaseUrl: PG_URL, schema },
    memory: { consolidation: { useModel: false } },
    llm: { provider: 'openai', openai: { baseUrl: `${model.url}/v1`, apiKey: 'sk-test', model: 'fake' } },
  });
  brain = await startTestBrain(config);
  producer = new InboundProducer(prefix);
  web = new OutboundCollector(prefix, 'web');
  db = new pg.Client({ connectionString: PG_URL });
  await db.connect();
});

afterAll(async () => {
  await brain?.close();
  await producer?.close();
  await web?.close();
  await model?.close();
  await dropPrefix(prefix);
  await db?.query(`drop schema if exists "${schema}" cascade`);
  await db?.end();
});

const ada = { accountId: 'ada', displayName: 'Ada' };

describe('the reply goes out before the turn is taken in', () => {
  test('GIVEN memory and relationship writes are held up THEN the reply still arrives, and the turn completes once they are free', async () => {
    await producer.send(makeTurn({ conversationId: 'ada-dm', author: ada, text: 'Hello there, lovely to meet you!' }));
    await web.waitForFinals(1, 30_000);
    await eventually(async () => (await turnsDone(brain)) === 1, 10_000, 'the first turn to complete');

    await db.query('begin');
    await db.query(`lock table "${schema}".memories, "${schema}".relationship_state in exclusive mode`);
    try {
      await producer.send(makeTurn({ conversationId: 'ada-dm', author: ada, text: 'I have a dog called Juno and I love her so much.' }));
      const finals = await web.waitForFinals(2, 15_000);
      expect(finals[1]!.parts.join('')).not.toBe('');
      // The reply is out; taking the turn in is still waiting for the tables.
      await new Promise((r) => setTimeout(r, 300));
      expect(await turnsDone(brain)).toBe(1);
    } finally {
      await db.query('commit');
    }
    await eventually(async () => (await turnsDone(brain)) === 2, 15_000, 'the second turn to be taken in');
    const { rows } = await db.query<{ text: string }>(`select text from "${schema}".memories`);
    expect(rows.map((r) => r.text).join('\n')).toMatch(/Juno/);
  });
});
