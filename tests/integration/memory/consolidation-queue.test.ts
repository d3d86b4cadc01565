import { randomUUID } from 'node:crypto';
import { Queue, QueueEvents } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { OpenAiCompatibleProvider } from '../../../brain/llm/index.ts';
import { consolidateConversation, enqueueConsolidation, MemoryStore, pendingConsolidation, startConsolidationConsumer } from '../../../brain/memory/index.ts';
import { createLogger, createRedis, DeadLetters, MEMORY_CONSOLIDATION_QUEUE, type MeshConsumer } from '../../../mesh/index.ts';
import type { Store } from '../../../store/index.ts';
import { startFakeOpenAi, type FakeOpenAi } from '../../fakes/llm/index.ts';
import { deadLettersOf, dropPrefix, eventually, REDIS_URL, testPrefix } from '../../helpers/mesh-harness.ts';
import { backends, openTestStore, say, TestPeople } from './memory-harness.ts';

const postgres = backends.find(([n]) => n === 'PostgreSQL')![1];
const at = (min: number) => new Date(Date.parse('2026-02-01T10:00:00Z') + min * 60_000);

describe('memory consolidation on its own queue (real Redis, PostgreSQL)', () => {
  let store: Store;
  let close: () => Promise<void>;
  let memory: MemoryStore;
  let llm: FakeOpenAi;
  const people = new TestPeople();
  const opened: Array<{ close(): Promise<unknown> }> = [];
  const prefixes: string[] = [];

  beforeAll(async () => {
    ({ store, close } = await openTestStore(postgres));
    memory = await MemoryStore.open({ store });
    llm = await startFakeOpenAi();
  }, 120_000);
  afterAll(async () => {
    await llm?.close();
    await close?.();
  });
  afterEach(async () => {
    for (const o of opened.splice(0).reverse()) await o.close();
    for (const p of prefixes.splice(0)) await dropPrefix(p);
  });

  function start(extra: { llm?: OpenAiCompatibleProvider } = {}): { queue: Queue; consumer: MeshConsumer; events: QueueEvents; prefix: string } {
    const prefix = testPrefix();
    prefixes.push(prefix);
    const connection = createRedis(REDIS_URL, 'worker');
    const producer = createRedis(REDIS_URL, 'producer');
    const deadLetters = new DeadLetters(producer, prefix);
    const consumer = startConsolidationConsumer({ memory, connection, prefix, log: createLogger('brain', 'silent'), deadLetters, accountsOf: people.accountsOf, ...extra });
    const queue = new Queue(MEMORY_CONSOLIDATION_QUEUE, { connection: producer, prefix });
    const events = new QueueEvents(MEMORY_CONSOLIDATION_QUEUE, { connection: createRedis(REDIS_URL, 'worker'), prefix });
    opened.push({ close: () => producer.quit() }, { close: () => connection.quit() }, deadLetters, queue, consumer, events);
    return { queue, consumer, events, prefix };
  }

  test('GIVEN a malformed job THEN it is dead-lettered with the reason and the next job still runs', async () => {
    const { queue, events, prefix } = start();
    await events.waitUntilReady();
    const acct = { platform: 'web', accountId: `a-${randomUUID().slice(0, 6)}` };
    const person = people.add(acct);
    await say(store, 'web', 'c-q1', acct, 'I live in Lisbon', at(0));
    await queue.add('consolidate', { personId: 'discord:123', platform: 'web', conversationId: '' }, { jobId: 'bad-1' });
    await enqueueConsolidation(queue, { personId: person, platform: 'web', conversationId: 'c-q1', reason: 'manual', requestedAt: at(1).toISOString() });
    await eventually(async () => (await memory.forPerson(person).current()).some((m) => m.text === 'lives in Lisbon'), 20_000, 'the valid job to consolidate');
    const dead = await deadLettersOf(prefix);
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ queue: MEMORY_CONSOLIDATION_QUEUE, jobId: 'bad-1', code: 'payload_invalid' });
    expect(dead[0]!.reason).toMatch(/personId/);
    expect(dead[0]!.reason).toMatch(/conversationId/);
  });

  test('GIVEN a model THEN its facts and summary are stored; a second run reads nothing new', async () => {
    llm.setReply(JSON.stringify({ facts: [{ key: 'partner.name', text: 'has a partner called Sam' }], summary: 'Talked about Sam and their trip.' }));
    const provider = new OpenAiCompatibleProvider({ baseUrl: `${llm.url}/v1`, model: 'gpt-test', timeoutMs: 10_000, maxRetries: 0 });
    const acct = { platform: 'slack', accountId: `s-${randomUUID().slice(0, 6)}` };
    const person = people.add(acct);
    for (let i = 0; i < 3; i++) await say(store, 'slack', 'c-q2', acct, `Sam and I planned a trip, message ${i}`, at(i));
    expect(await pendingConsolidation(memory, { personId: person, platform: 'slack', conversationId: 'c-q2' }, people.accountsOf)).toBe(3);
    const out = await consolidateConversation(memory, { personId: person, platform: 'slack', conversationId: 'c-q2' }, { accountsOf: people.accountsOf, llm: provider });
    expect(out).toEqual({ messages: 3, factsWritten: 1, summaryWritten: true, method: 'model' });
    const texts = (await memory.forPerson(person).current()).map((m) => `${m.kind}:${m.text}`).sort();
    expect(texts).toEqual(['fact:has a partner called Sam', 'summary:Talked about Sam and their trip.']);
    const prompt = JSON.stringify(llm.requests.at(-1)?.body);
    expect(prompt).toContain('Sam and I planned a trip, message 2');
    expect(await pendingConsolidation(memory, { personId: person, platform: 'slack', conversationId: 'c-q2' }, people.accountsOf)).toBe(0);
    expect(await consolidateConversation(memory, { personId: person, platform: 'slack', conversationId: 'c-q2' }, { accountsOf: people.accountsOf, llm: provider })).toMatchObject({ messages: 0 });
  });

  test('GIVEN the model answers something unusable THEN the pattern fallback runs', async () => {
    llm.setReply('Sure! Here are some thoughts, not JSON.');
    const provider = new OpenAiCompatibleProvider({ baseUrl: `${llm.url}/v1`, model: 'gpt-test', timeoutMs: 10_000, maxRetries: 0 });
    const acct = { platform: 'web', accountId: `f-${randomUUID().slice(0, 6)}` };
    const person = people.add(acct);
    await say(store, 'web', 'c-q3', acct, 'I start a new job on 3 March', at(0));
    const out = await consolidateConversation(memory, { personId: person, platform: 'web', conversationId: 'c-q3' }, { accountsOf: people.accountsOf, llm: provider });
    expect(out).toMatchObject({ method: 'patterns', factsWritten: 1 });
    expect((await memory.forPerson(person).current()).map((m) => m.text)).toEqual(['starts a new job on 3 March']);
  });
});
