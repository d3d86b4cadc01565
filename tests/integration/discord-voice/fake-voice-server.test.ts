// The fake voice server on its own, with a raw wss client: what it refuses (close codes), heartbeats, and
// that its media encryption round-trips (the bot tests prove it interoperates with @discordjs/voice).
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { AES_GCM_MODE, VoiceClose, VoiceOp, decryptRtp, encryptRtp, startFakeVoice, type FakeVoice } from '../../fakes/discord-voice/index.ts';

let voice: FakeVoice | undefined;
afterEach(async () => {
  await voice?.close();
  voice = undefined;
});

const GRANT = { guildId: '100', userId: '200', sessionId: 'sess-1', token: 'tok-1' };

/** Opens a raw client, records every message, and resolves the close code. */
async function client(v: FakeVoice): Promise<{ ws: WebSocket; messages: Array<{ op: number; d: Record<string, unknown>; seq?: number }>; closed: Promise<number>; send(op: number, d: unknown): void }> {
  const ws = new WebSocket(`wss://${v.endpoint}?v=8`, { ca: v.cert });
  const messages: Array<{ op: number; d: Record<string, unknown>; seq?: number }> = [];
  ws.on('message', (m) => messages.push(JSON.parse(String(m)) as { op: number; d: Record<string, unknown> }));
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, messages, closed, send: (op, d) => ws.send(JSON.stringify({ op, d })) };
}

const waitFor = async (check: () => boolean) => {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('fake discord voice server', () => {
  test('GIVEN a wrong token THEN IDENTIFY is closed with 4004', async () => {
    voice = await startFakeVoice();
    voice.grant(GRANT);
    const c = await client(voice);
    c.send(VoiceOp.Identify, { server_id: '100', user_id: '200', session_id: 'sess-1', token: 'nope', max_dave_protocol_version: 1 });
    expect(await c.closed).toBe(VoiceClose.AuthenticationFailed);
  });

  test('GIVEN SELECT_PROTOCOL before IDENTIFY THEN 4003; GIVEN a mode it does not offer THEN 4016', async () => {
    voice = await startFakeVoice();
    voice.grant(GRANT);
    const early = await client(voice);
    early.send(VoiceOp.SelectProtocol, { protocol: 'udp', data: { address: '127.0.0.1', port: 1, mode: AES_GCM_MODE } });
    expect(await early.closed).toBe(VoiceClose.NotAuthenticated);

    const c = await client(voice);
    c.send(VoiceOp.Identify, { server_id: '100', user_id: '200', session_id: 'sess-1', token: 'tok-1', max_dave_protocol_version: 1 });
    await waitFor(() => c.messages.some((m) => m.op === VoiceOp.Ready));
    const ready = c.messages.find((m) => m.op === VoiceOp.Ready)!;
    expect(ready.d).toMatchObject({ ip: '127.0.0.1', port: voice.udpPort, modes: [AES_GCM_MODE] });
    expect(c.messages[0]).toMatchObject({ op: VoiceOp.Hello, d: { heartbeat_interval: 13_750 } });
    expect(ready.seq).toBe(1);
    c.send(VoiceOp.Heartbeat, { t: 12345, seq_ack: 1 });
    await waitFor(() => c.messages.some((m) => m.op === VoiceOp.HeartbeatAck));
    expect(c.messages.find((m) => m.op === VoiceOp.HeartbeatAck)?.d).toEqual({ t: 12345 });
    expect(voice.session()?.lastSeqAck).toBe(1);
    c.send(VoiceOp.SelectProtocol, { protocol: 'udp', data: { address: '127.0.0.1', port: 1, mode: 'xsalsa20_poly1305' } });
    expect(await c.closed).toBe(VoiceClose.UnknownEncryptionMode);
  });

  test('GIVEN a packet sealed with aead_aes256_gcm_rtpsize and a header extension THEN it opens to the same Opus, and a flipped tag byte fails', () => {
    const key = randomBytes(32);
    const opus = Buffer.from([0xfc, 1, 2, 3, 4, 5]);
    const packet = encryptRtp(key, { sequence: 7, timestamp: 960, ssrc: 42, extension: Buffer.from([0x10, 0x7f, 0, 0]) }, opus, 9);
    expect(packet.readUInt16BE(12)).toBe(0xbede);
    expect(packet.readUInt32BE(packet.length - 4)).toBe(9);
    expect(decryptRtp(key, packet)).toMatchObject({ sequence: 7, timestamp: 960, ssrc: 42, nonce: 9, opus });
    packet.writeUInt8(packet[packet.length - 5]! ^ 1, packet.length - 5);
    expect(() => decryptRtp(key, packet)).toThrow();
  });
});
