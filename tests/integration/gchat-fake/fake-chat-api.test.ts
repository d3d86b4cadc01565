// The fake Chat API itself, driven by the real @googleapis/chat client (self-signed service-account JWT):
// it must refuse what Google refuses, or the bot's tests prove nothing.
import { chat } from '@googleapis/chat';
import { JWT } from 'google-auth-library';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createChatClient } from '../../../bots/gchat/chat-client.ts';
import { CHAT_BOT_SCOPE, rsaKeyPair, startFakeGoogleChat, type FakeGoogleChat } from '../../fakes/gchat/index.ts';

const EMAIL = 'bot@fake-project.iam.gserviceaccount.com';
const sa = rsaKeyPair();
let fake: FakeGoogleChat;

beforeAll(async () => {
  fake = await startFakeGoogleChat({ serviceAccounts: { [EMAIL]: sa.publicKey } });
});
afterAll(async () => fake?.close());

const client = (key = sa.privateKey, scopes = [CHAT_BOT_SCOPE]) => {
  const auth = new JWT({ email: EMAIL, key, scopes });
  auth.useJWTAccessWithScope = true;
  return chat({ version: 'v1', auth, rootUrl: fake.url });
};
const status = (err: unknown) => (err as { status?: number }).status;

describe('fake Google Chat API', () => {
  test('GIVEN the app\'s self-signed token THEN a message is created; the same requestId returns it again without a second one', async () => {
    const c = createChatClient({ clientEmail: EMAIL, privateKey: sa.privateKey, privateKeyId: undefined }, fake.url);
    const first = await c.spaces.messages.create({ parent: 'spaces/F1', requestId: 'req-1', requestBody: { text: 'hello' } }, { retry: false });
    const again = await c.spaces.messages.create({ parent: 'spaces/F1', requestId: 'req-1', requestBody: { text: 'hello' } }, { retry: false });
    expect(again.data.name).toBe(first.data.name);
    expect(fake.messagesIn('spaces/F1')).toHaveLength(1);
    expect(fake.calls.every((call) => !call.path.includes('token'))).toBe(true);
  });

  test('GIVEN a token signed with another key, or without the chat.bot scope THEN 401 / 403 with Google\'s error JSON', async () => {
    const forged = await client(rsaKeyPair().privateKey).spaces.messages.create({ parent: 'spaces/F2', requestBody: { text: 'x' } }, { retry: false }).catch((e: unknown) => e);
    expect(status(forged)).toBe(401);
    expect((forged as { response: { data: { error: { status: string } } } }).response.data.error.status).toBe('UNAUTHENTICATED');
    const noScope = await client(sa.privateKey, ['https://www.googleapis.com/auth/chat.messages']).spaces.messages.create({ parent: 'spaces/F2', requestBody: { text: 'x' } }, { retry: false }).catch((e: unknown) => e);
    expect(status(noScope)).toBe(403);
    expect(fake.messagesIn('spaces/F2')).toHaveLength(0);
  });

  test('GIVEN reply options THEN a known thread is replied to, an unknown one falls back to a new thread or fails with REPLY_MESSAGE_OR_FAIL', async () => {
    fake.addThread('spaces/F3/threads/known');
    const c = client();
    const inThread = await c.spaces.messages.create({ parent: 'spaces/F3', messageReplyOption: 'REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD', requestBody: { text: 'a', thread: { name: 'spaces/F3/threads/known' } } }, { retry: false });
    expect(inThread.data.thread?.name).toBe('spaces/F3/threads/known');
    const fallback = await c.spaces.messages.create({ parent: 'spaces/F3', messageReplyOption: 'REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD', requestBody: { text: 'b', thread: { name: 'spaces/F3/threads/gone' } } }, { retry: false });
    expect(fallback.data.thread?.name).not.toBe('spaces/F3/threads/gone');
    const noOption = await c.spaces.messages.create({ parent: 'spaces/F3', requestBody: { text: 'c', thread: { name: 'spaces/F3/threads/known' } } }, { retry: false });
    expect(noOption.data.thread?.name).not.toBe('spaces/F3/threads/known');
    const fail = await c.spaces.messages.create({ parent: 'spaces/F3', messageReplyOption: 'REPLY_MESSAGE_OR_FAIL', requestBody: { text: 'd', thread: { name: 'spaces/F3/threads/gone' } } }, { retry: false }).catch((e: unknown) => e);
    expect(status(fail)).toBe(404);
  });

  test('GIVEN failNext(429) THEN RESOURCE_EXHAUSTED with the Retry-After given, then success', async () => {
    fake.failNext(1, 429, { 'retry-after': '7' });
    const c = client();
    const err = await c.spaces.messages.create({ parent: 'spaces/F4', requestBody: { text: 'x' } }, { retry: false }).catch((e: unknown) => e);
    expect(status(err)).toBe(429);
    expect((err as { response: { headers: Headers } }).response.headers.get('retry-after')).toBe('7');
    expect((await c.spaces.messages.create({ parent: 'spaces/F4', requestBody: { text: 'x' } }, { retry: false })).status).toBe(200);
  });

  test('GIVEN the certificate endpoints THEN {kid: PEM} with Cache-Control max-age', async () => {
    const res = await fetch(fake.chatCertsUrl);
    expect(res.headers.get('cache-control')).toMatch(/max-age=\d+/);
    const certs = (await res.json()) as Record<string, string>;
    expect(Object.values(certs)[0]).toMatch(/^-----BEGIN PUBLIC KEY-----/);
  });
});
