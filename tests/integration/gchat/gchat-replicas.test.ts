// Two Google Chat bot replicas on one Redis: the HTTP request holding an event and the delivery worker
// that consumes its reply may be in different processes. Exactly one of "inline answer" and
// "spaces.messages.create" happens, whichever replica takes the reply.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { messageEvent } from '../../fakes/gchat/index.ts';
import { eventually } from '../../helpers/mesh-harness.ts';
import { startEchoBrain, startGChatMesh, type GChatMesh } from './harness.ts';

let mesh: GChatMesh;
let brain: ReturnType<typeof startEchoBrain>;
const INLINE_MS = 4_000;

beforeAll(async () => {
  // Replica 0 takes events only (its delivery worker is closed): every reply it waits for is consumed by 1 or 2.
  mesh = await startGChatMesh({ replicas: 3, inlineReplyMs: INLINE_MS });
  await mesh.bots[0]!.delivery.close();
  brain = startEchoBrain(mesh, (turn) => (turn.text.includes('slow') ? INLINE_MS + 3_000 : 0));
}, 30_000);

afterAll(async () => {
  await brain?.close();
  await mesh?.cleanup();
});

const count = async (outcome: string) => {
  let n = 0;
  for (const replica of [0, 1, 2]) n += await mesh.metric('helix_gchat_deliveries_total', { outcome }, replica);
  return n;
};

describe('gchat replicas', { timeout: 60_000 }, () => {
  test('GIVEN replica A holds the request and another replica delivers THEN the reply is handed to A, which answers inline; nothing is posted', async () => {
    const before = await count('inline');
    const event = messageEvent({ space: 'spaces/REP1', dm: true, text: 'cross replica' });
    const r = await mesh.send(event, { replica: 0 });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ text: 'echo: cross replica' });
    await eventually(async () => (await count('inline')) === before + 1, 10_000, 'the other replica to settle the delivery inline');
    expect(await mesh.metric('helix_gchat_deliveries_total', { outcome: 'inline' }, 0)).toBe(0);
    expect(mesh.fake.messagesIn('spaces/REP1')).toHaveLength(0);
  });

  test('GIVEN replica A holds the request, another replica delivers, and the brain is slow THEN A answers empty and the reply is posted exactly once', async () => {
    const event = messageEvent({ space: 'spaces/REP2', dm: true, text: 'slow cross replica' });
    const r = await mesh.send(event, { replica: 0 });
    expect(r.body).toEqual({});
    await eventually(() => mesh.fake.messagesIn('spaces/REP2').length === 1, 25_000, 'the async reply');
    await eventually(async () => (await count('posted')) >= 1, 10_000, 'the delivery to be counted');
    expect(mesh.fake.messagesIn('spaces/REP2')).toHaveLength(1);
  });

  test('GIVEN a burst of events spread over the replicas THEN each gets exactly one reply, inline or posted', async () => {
    const base = (await count('inline')) + (await count('posted'));
    const events = Array.from({ length: 12 }, (_, i) => messageEvent({ space: `spaces/BURST${i}`, dm: true, text: i % 3 === 0 ? `slow ${i}` : `quick ${i}` }));
    const answers = await Promise.all(events.map((e, i) => mesh.send(e, { replica: i % 3 })));
    const inline = answers.map((a) => typeof a.body.text === 'string');
    // Every reply settled, one way or the other, before counting what reached Chat.
    await eventually(async () => (await count('inline')) + (await count('posted')) === base + events.length, 25_000, 'all deliveries settled');
    for (const [i, e] of events.entries()) {
      const posted = mesh.fake.messagesIn(`spaces/BURST${i}`);
      expect(Number(inline[i]) + posted.length, `event ${i}`).toBe(1);
      if (inline[i]) expect(answers[i]!.body.text).toBe(`echo: ${(e.message as { argumentText: string }).argumentText}`);
    }
    expect(answers.filter((a, i) => i % 3 === 0 && typeof a.body.text === 'string')).toHaveLength(0);
  });
});
