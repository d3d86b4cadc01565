// The Slack bot (real Bolt, fake Slack) and the REAL brain process (`node brain/main.ts`, a child) with a
// fake model: from a signed Events API delivery to the reply posted with chat.postMessage.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startFakeOpenAi, type FakeOpenAi } from '../fakes/llm/index.ts';
import { startBrainProcess, type BrainProcess } from '../helpers/brain-process.ts';
import { eventually } from '../helpers/mesh-harness.ts';
import { sleep, startSlackMesh, type SlackMesh } from '../integration/slack/harness.ts';

let mesh: SlackMesh;
let model: FakeOpenAi;
let brain: BrainProcess;


beforeAll(async () => {
  model = await startFakeOpenAi();
  mesh = await startSlackMesh({ collectInbound: false });
  brain = await startBrainProcess(mesh.prefix, model.url);
}, 180_000);

afterAll(async () => {
  await brain?.stop();
  await mesh?.cleanup();
  await model?.close();
});

describe('slack + brain (e2e)', () => {
  test('GIVEN a DM THEN exactly one reply via chat.postMessage; a retried delivery of the same event gets no second reply', async () => {
    const { fake, bot } = mesh;
    model.setReply('Hi Alice, *all good* here.');
    const ev = fake.dm('how are things?');
    expect((await fake.deliver(bot.eventsUrl, ev)).status).toBe(200);
    await fake.waitForCall('chat.postMessage', 1, 15_000);
    const [call] = fake.callsTo('chat.postMessage');
    expect(call!.args).toMatchObject({ channel: fake.dmChannel, text: 'Hi Alice, *all good* here.' });
    expect(call!.args['thread_ts']).toBeUndefined();
    expect(JSON.stringify(model.requests.at(-1)!.body.messages)).toContain('how are things?');
    const requestsBefore = model.requests.length;

    // Slack retries the same event (it thought the first delivery timed out).
    expect((await fake.deliver(bot.eventsUrl, ev, { retryNum: 1, retryReason: 'http_timeout' })).status).toBe(200);
    await sleep(1_500);
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
    expect(model.requests.length).toBe(requestsBefore);
  });

  test('GIVEN a mention in a thread THEN the reply goes to that thread', async () => {
    const { fake, bot } = mesh;
    model.setReply('Replying in the thread.');
    const before = fake.callsTo('chat.postMessage').length;
    const parent = '1700000000.000300';
    expect((await fake.deliver(bot.eventsUrl, fake.mention('thoughts?', { threadTs: parent }))).status).toBe(200);
    await eventually(() => fake.callsTo('chat.postMessage').length > before, 15_000, 'the thread reply');
    expect(fake.callsTo('chat.postMessage').at(-1)!.args).toMatchObject({ channel: fake.generalChannel, thread_ts: parent, text: 'Replying in the thread.' });
  });
});
