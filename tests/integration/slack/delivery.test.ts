// `outbound-slack` → chat.postMessage on the fake Slack.
import { afterEach, describe, expect, test } from 'vitest';
import { deadLettersOf, eventually } from '../../helpers/mesh-harness.ts';
import { sleep, startSlackMesh, type SlackMesh } from './harness.ts';

let mesh: SlackMesh | undefined;
afterEach(async () => {
  await mesh?.cleanup();
  mesh = undefined;
});

describe('slack bot delivery', () => {
  test('GIVEN a reply to a thread THEN it is posted in the thread (mrkdwn); long text is split at 3,500 chars', async () => {
    mesh = await startSlackMesh();
    const { fake } = mesh;
    const parent = '1700000000.000200';
    await mesh.reply({ channel: fake.generalChannel, threadTs: parent, parts: ['*short* answer'] });
    const call = await fake.waitForCall('chat.postMessage');
    expect(call.args).toMatchObject({ channel: fake.generalChannel, thread_ts: parent, text: '*short* answer' });
    expect(String(call.args['mrkdwn'])).toBe('true');
    expect(call.token).toBe(fake.botToken);

    const sentence = 'Helix explains the incident timeline in patient detail. ';
    const long = sentence.repeat(Math.ceil(5_000 / sentence.length)).slice(0, 5_000).trim();
    await mesh.reply({ parts: [long] });
    await fake.waitForCall('chat.postMessage', 3);
    await sleep(300);
    const parts = fake.callsTo('chat.postMessage').slice(1);
    expect(parts).toHaveLength(2);
    expect(parts.every((c) => String(c.args['text']).length <= 3_500 && c.args['channel'] === fake.dmChannel && c.args['thread_ts'] === undefined)).toBe(true);
    expect(parts.map((c) => String(c.args['text'])).join(' ').replace(/\s+/g, ' ')).toBe(long.replace(/\s+/g, ' '));
  });

  test('GIVEN Slack answers 429 THEN the reply waits Retry-After and is posted once', async () => {
    mesh = await startSlackMesh();
    const { fake } = mesh;
    fake.failNext('chat.postMessage', { retryAfterSec: 1 });
    await mesh.reply({ parts: ['worth the wait'] });
    await fake.waitForCall('chat.postMessage', 2, 8_000);
    await sleep(300);
    const calls = fake.callsTo('chat.postMessage');
    expect(calls.map((c) => c.status)).toEqual([429, 200]);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(950);
    expect(fake.messages.filter((m) => m.text === 'worth the wait')).toHaveLength(1);
  });

  test('GIVEN channel_not_found THEN the reply is dead-lettered with Slack\'s code and the next reply still goes out', async () => {
    mesh = await startSlackMesh();
    const { fake } = mesh;
    fake.failNext('chat.postMessage', { error: 'channel_not_found' });
    const refused = await mesh.reply({ parts: ['you will not see this'] });
    await eventually(async () => (await deadLettersOf(mesh!.prefix)).length === 1, 5_000, 'dead letter');
    const [letter] = await deadLettersOf(mesh.prefix);
    expect(letter).toMatchObject({ queue: 'outbound-slack', jobId: refused.replyId, code: 'platform_rejected', attempts: 1 });
    expect(letter!.reason).toMatch(/channel_not_found/);
    await mesh.reply({ parts: ['but you see this'] });
    await eventually(() => fake.messages.some((m) => m.text === 'but you see this'), 5_000, 'the good reply');
  });
});
