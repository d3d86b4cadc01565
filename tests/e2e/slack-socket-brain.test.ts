// The Slack bot in Socket Mode (real Bolt, fake Slack's WebSocket) and the REAL brain process (`node brain/main.ts`,
// a child) with a fake model: from a Socket Mode envelope to the reply posted with chat.postMessage.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startFakeOpenAi, type FakeOpenAi } from '../fakes/llm/index.ts';
import { startBrainProcess, type BrainProcess } from '../helpers/brain-process.ts';
import { sleep, startSlackMesh, type SlackMesh } from '../integration/slack/harness.ts';

let mesh: SlackMesh;
let model: FakeOpenAi;
let brain: BrainProcess;


beforeAll(async () => {
  model = await startFakeOpenAi();
  mesh = await startSlackMesh({ collectInbound: false, socketMode: true });
  brain = await startBrainProcess(mesh.prefix, model.url);
}, 180_000);

afterAll(async () => {
  await brain?.stop();
  await mesh?.cleanup();
  await model?.close();
});

describe('slack (socket mode) + brain (e2e)', () => {
  test('GIVEN a DM envelope THEN exactly one reply via chat.postMessage; a redelivery (retry_attempt 1) gets no second reply', async () => {
    const { fake } = mesh;
    model.setReply('Hi Alice, over the socket.');
    const ev = fake.dm('are you there?');
    expect(typeof (await fake.send(ev)).envelope_id).toBe('string');
    await fake.waitForCall('chat.postMessage', 1, 15_000);
    const [call] = fake.callsTo('chat.postMessage');
    expect(call!.args).toMatchObject({ channel: fake.dmChannel, text: 'Hi Alice, over the socket.' });
    expect(JSON.stringify(model.requests.at(-1)!.body.messages)).toContain('are you there?');
    const requestsBefore = model.requests.length;

    expect(typeof (await fake.send(ev, { retryAttempt: 1, retryReason: 'timeout' })).envelope_id).toBe('string');
    await sleep(1_500);
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
    expect(model.requests.length).toBe(requestsBefore);
  });
});
