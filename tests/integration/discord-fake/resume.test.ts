// Reconnects: op 7 and close codes lead discord.js to RESUME; events sent in the gap are replayed once;
// op 9 forces a fresh IDENTIFY; a zombie link (no heartbeat acks) is detected and resumed.
import { Events, type Message } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { Op } from '../../fakes/discord/index.ts';
import { collect, nextEvent, sleep, startHarness, type Harness } from './harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

describe('discord fake: reconnect and resume', () => {
  it('forceReconnect: the client RESUMEs on resume_gateway_url, gets RESUMED, does not re-IDENTIFY, and a gap message arrives once', async () => {
    h = await startHarness();
    const client = await h.client();
    const { fake } = h;
    const seen = collect<Message>(client, Events.MessageCreate);
    const resumed = nextEvent(client, Events.ShardResume);

    fake.forceReconnect();
    const gap = fake.sendMessage({ content: 'sent while you were away' });
    expect(fake.records.dispatches.find((d) => d.t === 'MESSAGE_CREATE')?.delivered).toBe(false);

    await resumed;
    await expect.poll(() => seen.map((m) => m.id)).toEqual([gap.id]);
    await sleep(100);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.content).toBe('sent while you were away');

    expect(fake.records.identifies).toHaveLength(1);
    const [resume] = fake.records.resumes;
    expect(fake.records.resumes).toHaveLength(1);
    expect(resume).toMatchObject({ outcome: 'resumed', replayed: 1, path: '/resume', sessionId: fake.records.identifies[0]?.sessionId });
    expect(fake.records.gatewayOps.some((o) => o.op === Op.Resume)).toBe(true);
    expect(fake.records.dispatches.at(-1)?.t).toBe('RESUMED');

    // The resumed session keeps working.
    const after = nextEvent<[Message]>(client, Events.MessageCreate);
    fake.sendMessage({ content: 'after resume' });
    expect((await after)[0].content).toBe('after resume');
  });

  it('a close with a resumable code (4000) is resumed; sequence numbers keep counting up', async () => {
    h = await startHarness();
    const client = await h.client();
    const { fake } = h;
    const seqBefore = fake.sessions()[0]!.seq;
    const resumed = nextEvent(client, Events.ShardResume);
    fake.closeWithCode(4000, 'Unknown error');
    await resumed;
    expect(fake.records.identifies).toHaveLength(1);
    expect(fake.records.resumes[0]).toMatchObject({ outcome: 'resumed', seq: seqBefore });
    expect(fake.sessions()[0]!.seq).toBe(seqBefore + 1); // RESUMED
  });

  it('invalidateSession (op 9, not resumable) makes the client IDENTIFY again with a new session', async () => {
    h = await startHarness();
    // @discordjs/ws spaces IDENTIFYs 5 s apart (Discord's identify limit); a no-op throttler keeps the test fast.
    const client = await h.client({ ws: { buildIdentifyThrottler: async () => ({ waitForIdentify: async () => {} }) } });
    const { fake } = h;
    fake.invalidateSession(false);
    await fake.waitFor('identifies', (i) => i.tokenValid && i.sessionId !== fake.records.identifies[0]?.sessionId, 5000);
    expect(fake.records.identifies).toHaveLength(2);
    expect(fake.records.resumes).toHaveLength(0);
    expect(fake.sessions().filter((s) => !s.invalid)).toHaveLength(1);
    await expect.poll(() => fake.records.dispatches.filter((d) => d.t === 'GUILD_CREATE').length).toBe(2);
    const got = nextEvent<[Message]>(client, Events.MessageCreate);
    fake.sendMessage({ content: 'new session' });
    expect((await got)[0].content).toBe('new session');
  });

  it('a zombie connection (no heartbeat ACKs) is detected by the client, which resumes and receives what it missed', async () => {
    h = await startHarness({ heartbeatIntervalMs: 250 });
    const client = await h.client();
    const { fake } = h;
    await fake.waitFor('gatewayOps', (o) => o.op === Op.Heartbeat, 2000);
    const seen = collect<Message>(client, Events.MessageCreate);
    fake.zombie();
    const missed = fake.sendMessage({ content: 'lost on the dead link' });
    const resume = await fake.waitFor('resumes', () => true, 3000);
    expect(resume).toMatchObject({ outcome: 'resumed', replayed: 1 });
    await expect.poll(() => seen.map((m) => m.id)).toEqual([missed.id]);
    expect(fake.records.identifies).toHaveLength(1);
  });

  it('replayLast re-sends a dispatch with the same sequence; discord.js drops the duplicate message while raw sees both', async () => {
    h = await startHarness();
    const client = await h.client();
    const { fake } = h;
    const raws = collect<{ t: string; s: number }>(client, Events.Raw);
    const seen = collect<Message>(client, Events.MessageCreate);
    const msg = fake.sendMessage({ content: 'once only' });
    await expect.poll(() => seen.length).toBe(1);
    expect(fake.replayLast('MESSAGE_CREATE')).toMatchObject({ t: 'MESSAGE_CREATE' });
    await expect.poll(() => raws.filter((r) => r.t === 'MESSAGE_CREATE').length).toBe(2);
    const [a, b] = raws.filter((r) => r.t === 'MESSAGE_CREATE');
    expect(a?.s).toBe(b?.s);
    await sleep(50);
    expect(seen.map((m) => m.id)).toEqual([msg.id]);
  });
});
