// The Google Chat bot and the REAL brain process (`node brain/main.ts`, a child) with a fake model: from a
// signed Chat event to the reply, inline when the model is fast, through spaces.messages.create in the same
// thread when it is slow; once per event, and never for a forged token.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { messageEvent } from '../fakes/gchat/index.ts';
import { startFakeOpenAi, type FakeOpenAi } from '../fakes/llm/index.ts';
import { startBrainProcess, type BrainProcess } from '../helpers/brain-process.ts';
import { eventually } from '../helpers/mesh-harness.ts';
import { PROJECT_NUMBER, sleep, startGChatMesh, type GChatMesh } from '../integration/gchat/harness.ts';

const INLINE_MS = 8_000;
let mesh: GChatMesh;
let model: FakeOpenAi;
let brain: BrainProcess;

beforeAll(async () => {
  model = await startFakeOpenAi();
  mesh = await startGChatMesh({ inlineReplyMs: INLINE_MS });
  brain = await startBrainProcess(mesh.prefix, model.url);
}, 180_000);

afterAll(async () => {
  await brain?.stop();
  await mesh?.cleanup();
  await model?.close();
});

describe('gchat + brain (e2e)', { timeout: 90_000 }, () => {
  test('GIVEN a DM and a fast model THEN exactly one reply, inline; a redelivery gets none', async () => {
    model.setReply('Hello Alice, nice to meet you.');
    const event = messageEvent({ space: 'spaces/E2EDM', dm: true, text: 'hi Helix, I am Alice' });
    const r = await mesh.send(event);
    expect(r.status).toBe(200);
    const thread = (event.message as { thread: { name: string } }).thread.name;
    expect(r.body).toEqual({ text: 'Hello Alice, nice to meet you.', thread: { name: thread } });
    expect(JSON.stringify(model.requests.at(-1)!.body.messages)).toContain('hi Helix, I am Alice');
    const requests = model.requests.length;

    const again = await mesh.send(event);
    expect(again).toEqual({ status: 200, body: {} });
    await sleep(1_500);
    expect(model.requests.length).toBe(requests);
    expect(mesh.fake.messagesIn('spaces/E2EDM')).toHaveLength(0);
  });

  test('GIVEN a slow model THEN an empty 200, and the reply arrives later in the same thread, once', async () => {
    model.setReply('Sorry for the wait: here is my answer.');
    model.setDelay(INLINE_MS + 3_000);
    try {
      const event = messageEvent({ space: 'spaces/E2EDM2', dm: true, text: 'tell me something thoughtful' });
      const r = await mesh.send(event);
      expect(r).toEqual({ status: 200, body: {} });
      await eventually(() => mesh.fake.messagesIn('spaces/E2EDM2').length === 1, 30_000, 'the async reply');
      expect(mesh.fake.messagesIn('spaces/E2EDM2')[0]).toMatchObject({
        text: 'Sorry for the wait: here is my answer.',
        thread: (event.message as { thread: { name: string } }).thread.name,
        messageReplyOption: 'REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD',
      });
      await sleep(1_000);
      expect(mesh.fake.messagesIn('spaces/E2EDM2')).toHaveLength(1);
    } finally {
      model.setDelay(0);
    }
  });

  test('GIVEN an @mention in a space THEN the model sees the text without the mention and the reply is in that thread', async () => {
    model.setReply('Standup is at ten.');
    const event = messageEvent({ space: 'spaces/E2EROOM', text: 'when is standup?', mentionApp: true });
    const r = await mesh.send(event);
    const thread = (event.message as { thread: { name: string } }).thread.name;
    expect(r.body).toEqual({ text: 'Standup is at ten.', thread: { name: thread } });
    const sent = JSON.stringify(model.requests.at(-1)!.body.messages);
    expect(sent).toContain('when is standup?');
    expect(sent).not.toContain('@Helix when is standup?');
  });

  test('GIVEN a forged token THEN 401, nothing queued, the model never asked', async () => {
    const requests = model.requests.length;
    const before = (await mesh.inboundTurns()).length;
    const forged = mesh.fake.signChatToken({ audience: PROJECT_NUMBER, forged: true });
    const r = await mesh.send(messageEvent({ space: 'spaces/E2EDM3', dm: true, text: 'let me in' }), { token: forged });
    expect(r.status).toBe(401);
    await sleep(1_000);
    expect((await mesh.inboundTurns()).length).toBe(before);
    expect(model.requests.length).toBe(requests);
  });
});
