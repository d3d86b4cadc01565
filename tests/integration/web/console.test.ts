import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, test } from 'vitest';
import { startWebBot, type RunningWebBot } from '../../../bots/web/web-bot.ts';
import type { HelixConfig } from '../../../config/index.ts';
import { OutboundReply, createLogger, newTraceparent, outboundQueue, type OutboundReplyInput } from '../../../mesh/index.ts';
import { startFakeOpenAi } from '../../fakes/llm/index.ts';
import { startPrivateRedis } from '../../helpers/private-redis.ts';
import { REDIS_URL, deadLettersOf, dropPrefix, eventually, startTestBrain, testConfig, testPrefix } from '../../helpers/mesh-harness.ts';
import { openSse } from '../../helpers/sse-client.ts';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => undefined);
});

async function startConsole(config: HelixConfig, redisUrl = REDIS_URL, log = createLogger('web', 'silent')): Promise<RunningWebBot> {
  const bot = await startWebBot({ config, redisUrl, log });
  cleanups.push(() => bot.close());
  return bot;
}

function post(bot: RunningWebBot, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${bot.url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const session = () => randomUUID().replaceAll('-', '');
const message = (sessionId: string, text: string, clientMessageId = randomUUID()) => ({ clientMessageId, sessionId, text });

/** A console and a brain on one prefix, with a fake OpenAI-compatible model. */
async function startMesh(overrides: Parameters<typeof testConfig>[1] = {}) {
  const prefix = testPrefix();
  const model = await startFakeOpenAi();
  cleanups.push(() => model.close(), () => dropPrefix(prefix));
  const config = testConfig(prefix, { web: { port: 0 }, llm: { provider: 'openai', openai: { baseUrl: `${model.url}/v1`, model: 'fake' } }, ...overrides });
  const brain = await startTestBrain(config);
  cleanups.push(() => brain.close());
  const bot = await startConsole(config);
  return { prefix, model, config, brain, bot };
}

/** A logger at debug level whose JSON lines land in `lines`. */
function capturingLog(role: string) {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: createLogger(role, 'debug', sink), lines };
}

describe('web console', () => {
  test('GIVEN a message THEN one trace id follows it from the console through the brain back to the delivered reply', async () => {
    const prefix = testPrefix();
    const model = await startFakeOpenAi();
    cleanups.push(() => model.close(), () => dropPrefix(prefix));
    const config = testConfig(prefix, { web: { port: 0 }, llm: { provider: 'openai', openai: { baseUrl: `${model.url}/v1`, model: 'fake' } } });
    const brainLog = capturingLog('brain');
    const brain = await startTestBrain(config, { log: brainLog.log });
    cleanups.push(() => brain.close());
    const webLog = capturingLog('web');
    const bot = await startConsole(config, REDIS_URL, webLog.log);
    const sid = session();
    const sse = await openSse(`${bot.url}/api/events?sessionId=${sid}`);
    cleanups.push(() => sse.close());
    await sse.waitFor((e) => e.event === 'ready');
    const res = await post(bot, message(sid, 'trace this'));
    const { eventId } = (await res.json()) as { eventId: string };
    await sse.waitFor((e) => e.event === 'final');
    await eventually(() => webLog.lines.some((l) => l.msg === 'reply delivered to the console'), 5_000, 'delivery log line');

    const accepted = webLog.lines.find((l) => l.msg === 'message accepted' && l.event_id === eventId);
    expect(accepted?.trace_id).toMatch(/^[0-9a-f]{32}$/);
    const traceId = accepted!.trace_id;
    expect(brainLog.lines.filter((l) => l.trace_id === traceId).map((l) => l.msg)).toContain('turn answered');
    expect(webLog.lines.find((l) => l.msg === 'reply delivered to the console')?.trace_id).toBe(traceId);
  });

  test('GIVEN good and bad requests mixed THEN each bad one gets a precise 4xx and every good message is answered once on the stream', async () => {
    const { bot, model } = await startMesh();
    model.setReply((body) => `echo: ${String((body.messages as Array<{ content: string }>).at(-1)?.content)}`);
    const sid = session();
    const sse = await openSse(`${bot.url}/api/events?sessionId=${sid}`);
    cleanups.push(() => sse.close());
    expect(sse.status).toBe(200);
    await sse.waitFor((e) => e.event === 'ready');

    const bad: Array<[unknown, number, string]> = [
      ['{not json', 400, 'malformed_json'],
      [{ sessionId: sid, text: 'no id' }, 400, 'invalid'],
      [{ clientMessageId: 'not-a-uuid', sessionId: sid, text: 'x' }, 400, 'invalid'],
      [message('bad session!', 'x'), 400, 'invalid'],
      [message(sid, '   '), 400, 'invalid'],
      [message(sid, 'x'.repeat(40_000)), 413, 'text_too_long'],
      [message(sid, 'y'.repeat(70_000)), 413, 'too_large'],
    ];
    const goods = ['first good', 'second good', 'third good'];
    const results = await Promise.all([
      ...bad.map(async ([body, status, code]) => {
        const res = await post(bot, body);
        const json = (await res.json()) as { error: string; issues?: Array<{ path: string }> };
        return { status: res.status, code: json.error, expected: [status, code], issues: json.issues };
      }),
      ...goods.map(async (text) => {
        const res = await post(bot, message(sid, text));
        return { status: res.status, code: 'accepted', expected: [202, 'accepted'], issues: undefined };
      }),
    ]);
    for (const r of results) expect([r.status, r.code]).toEqual(r.expected);
    // The zod issue names the field that was wrong.
    expect(results[1]!.issues?.map((i) => i.path)).toContain('clientMessageId');

    // Sent at once to one conversation, the three may be coalesced into one turn: every one is answered,
    // with exactly one reply per turn the model was asked for.
    const answered = () => sse.events.filter((e) => e.event === 'final').map((e) => (JSON.parse(e.data) as { parts: string[] }).parts.join(''));
    await eventually(() => goods.every((t) => answered().some((a) => a.includes(t))), 10_000, 'every good message answered');
    await new Promise((r) => setTimeout(r, 300));
    expect(answered()).toHaveLength(model.requests.length);
    expect(sse.events.filter((e) => e.event === 'user')).toHaveLength(3);
    const health = await fetch(`${bot.url}/healthz`);
    expect(health.status).toBe(200);
    const metrics = await (await fetch(`${bot.url}/metrics`)).text();
    expect(metrics).toMatch(/helix_web_messages_rejected_total\{reason="invalid",role="web"\} 4/);
    expect(metrics).toMatch(/helix_web_messages_accepted_total\{role="web"\} 3/);
  });

  test('GIVEN a slow model THEN the reply streams as growing drafts and ends with one final that supersedes them', async () => {
    const { bot, model } = await startMesh();
    const answer = Array.from({ length: 30 }, (_, i) => `word${i}`).join(' ');
    model.setReply(answer);
    model.setChunkDelay(40);
    const sid = session();
    const sse = await openSse(`${bot.url}/api/events?sessionId=${sid}`);
    cleanups.push(() => sse.close());
    await sse.waitFor((e) => e.event === 'ready');
    expect((await post(bot, message(sid, 'tell me a story'))).status).toBe(202);

    const final = await sse.waitFor((e) => e.event === 'final');
    const drafts = sse.events.filter((e) => e.event === 'draft').map((e) => JSON.parse(e.data) as { text: string; seq: number });
    expect(drafts.length).toBeGreaterThanOrEqual(2);
    expect(drafts.every((d) => answer.startsWith(d.text.trim()))).toBe(true);
    expect(drafts.at(-1)!.text.length).toBeGreaterThan(drafts[0]!.text.length);
    expect((JSON.parse(final.data) as { parts: string[] }).parts.join(' ')).toBe(answer);
    expect(sse.events.indexOf(final)).toBeGreaterThan(sse.events.findIndex((e) => e.event === 'draft'));
  });

  test('GIVEN the same message posted twice (a browser retry) THEN it is one turn with one reply, in history once', async () => {
    const { bot, model } = await startMesh();
    const sid = session();
    const msg = message(sid, 'only once please');
    expect((await post(bot, msg)).status).toBe(202);
    expect((await post(bot, msg)).status).toBe(202);
    const sse = await openSse(`${bot.url}/api/events?sessionId=${sid}`);
    cleanups.push(() => sse.close());
    await sse.waitFor((e) => e.event === 'final');
    await new Promise((r) => setTimeout(r, 500));
    expect(sse.events.filter((e) => e.event === 'user')).toHaveLength(1);
    expect(sse.events.filter((e) => e.event === 'final')).toHaveLength(1);
    expect(model.requests).toHaveLength(1);
  });

  test('GIVEN a page that reconnects with Last-Event-ID THEN it gets exactly what it missed, and another session sees nothing', async () => {
    const { bot } = await startMesh();
    const sid = session();
    const first = await openSse(`${bot.url}/api/events?sessionId=${sid}`);
    cleanups.push(() => first.close());
    await first.waitFor((e) => e.event === 'ready');
    await post(bot, message(sid, 'one'));
    const user = await first.waitFor((e) => e.event === 'user');
    first.close();
    await post(bot, message(sid, 'two'));

    const again = await openSse(`${bot.url}/api/events?sessionId=${sid}`, { 'last-event-id': user.id! });
    cleanups.push(() => again.close());
    await eventually(() => again.events.filter((e) => e.event === 'final').length === 2, 10_000, 'two finals');
    const texts = again.events.filter((e) => e.event === 'user').map((e) => (JSON.parse(e.data) as { text: string }).text);
    expect(texts).toEqual(['two']);
    const ids = again.events.filter((e) => e.id).map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(Math.min(...ids)).toBeGreaterThan(Number(user.id));

    const stranger = await openSse(`${bot.url}/api/events?sessionId=${session()}`);
    cleanups.push(() => stranger.close());
    await stranger.waitFor((e) => e.event === 'ready');
    expect(stranger.events.filter((e) => e.event === 'user' || e.event === 'final')).toHaveLength(0);
  });

  test('GIVEN bad outbound jobs THEN they are dead-lettered with the reason and good replies still reach the page', async () => {
    const prefix = testPrefix();
    cleanups.push(() => dropPrefix(prefix));
    const bot = await startConsole(testConfig(prefix, { web: { port: 0 } }));
    const sid = session();
    const sse = await openSse(`${bot.url}/api/events?sessionId=${sid}`);
    cleanups.push(() => sse.close());
    await sse.waitFor((e) => e.event === 'ready');
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const queue = new Queue(outboundQueue('web'), { connection: redis, prefix });
    cleanups.push(() => queue.close().then(() => redis.quit()));
    const reply = (conversationId: string, text: string): OutboundReplyInput => ({
      v: 1, platform: 'web', replyId: `r-${randomUUID()}`, kind: 'final', seq: 0, conversation: { id: conversationId, kind: 'dm' },
      parts: [text], traceparent: newTraceparent(), createdAt: new Date().toISOString(),
    });
    await queue.add('reply', { not: 'a reply' }, { jobId: 'bad-shape', attempts: 3 });
    await queue.add('reply', OutboundReply.parse(reply('discord-123', 'wrong platform conversation')), { jobId: 'bad-target', attempts: 3 });
    await queue.add('reply', OutboundReply.parse(reply(`web-${sid}`, 'good reply')), { jobId: 'good' });

    const good = await sse.waitFor((e) => e.event === 'final');
    expect((JSON.parse(good.data) as { parts: string[] }).parts).toEqual(['good reply']);
    await eventually(async () => (await deadLettersOf(prefix)).length === 2, 10_000, 'two dead letters');
    const letters = await deadLettersOf(prefix);
    expect(letters.map((l) => l.code).sort()).toEqual(['payload_invalid', 'platform_rejected']);
    expect(letters.find((l) => l.code === 'payload_invalid')!.reason).toMatch(/replyId/);
    expect(letters.find((l) => l.code === 'platform_rejected')!.reason).toMatch(/not a web console session/);
  });

  test('GIVEN an access token THEN requests without it get 401, the token works as bearer or once in the URL (then a cookie), and health stays open', async () => {
    const prefix = testPrefix();
    cleanups.push(() => dropPrefix(prefix));
    const token = 'a-long-enough-console-token';
    const bot = await startConsole(testConfig(prefix, { web: { port: 0, host: '0.0.0.0', accessToken: token } }));
    const sid = session();
    expect((await fetch(`${bot.url}/`)).status).toBe(401);
    expect((await post(bot, message(sid, 'hi'))).status).toBe(401);
    expect((await post(bot, message(sid, 'hi'), { authorization: 'Bearer wrong-token-wrong-token' })).status).toBe(401);
    expect((await fetch(`${bot.url}/api/events?sessionId=${sid}`)).status).toBe(401);
    expect((await post(bot, message(sid, 'hi'), { authorization: `Bearer ${token}` })).status).toBe(202);

    const page = await fetch(`${bot.url}/?token=${token}`);
    expect(page.status).toBe(200);
    const cookie = page.headers.get('set-cookie')!;
    expect(cookie).toMatch(/helix_token=.*HttpOnly/i);
    expect((await post(bot, message(sid, 'hi again'), { cookie: cookie.split(';')[0]! })).status).toBe(202);
    expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${bot.url}/metrics`)).status).toBe(200);
  });

  test('GIVEN Redis goes down THEN a message gets 503 (nothing acknowledged that is not queued), and once Redis is back messages are accepted again', async () => {
    const redis = await startPrivateRedis();
    cleanups.push(() => redis.stop());
    const prefix = testPrefix();
    const bot = await startConsole(testConfig(prefix, { web: { port: 0 }, redis: { url: redis.url } }), redis.url);
    const sid = session();
    expect((await post(bot, message(sid, 'before'))).status).toBe(202);
    await redis.down();
    const refused = await post(bot, message(sid, 'during'));
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: string }).error).toBe('queue_unavailable');
    expect((await fetch(`${bot.url}/healthz`)).status).toBe(503);
    await redis.up();
    await eventually(async () => (await post(bot, message(sid, 'after'))).status === 202, 10_000, 'accepted after Redis is back');
    const check = new Redis(redis.url);
    cleanups.push(() => check.quit());
    const queue = new Queue('inbound', { connection: check, prefix });
    cleanups.push(() => queue.close());
    const jobs = await queue.getJobs(['wait', 'delayed', 'active', 'completed']);
    expect(jobs.map((j) => (j.data as { text: string }).text).sort()).toEqual(['after', 'before']);
  });
});
