// Replies from `outbound-discord` to the fake: splitting, rich parts, edit in place, 429 and 4xx, typing, retries.
import { afterEach, describe, expect, test } from 'vitest';
import { DiscordErrors } from '../../fakes/discord/index.ts';
import { deadLettersOf, eventually } from '../../helpers/mesh-harness.ts';
import { botMessages, sample, sleep, startDiscordMesh, type DiscordMesh } from './harness.ts';

let mesh: DiscordMesh | undefined;
afterEach(async () => {
  await mesh?.cleanup();
  mesh = undefined;
});

const fences = (s: string) => (s.match(/^```/gm) ?? []).length;

describe('discord bot: replies out', () => {
  test('GIVEN a 3,500-character reply with a code block THEN it arrives as two messages, the first replying to the message, each fence closed', async () => {
    mesh = await startDiscordMesh();
    const { fake } = mesh;
    const asked = fake.sendMessage({ content: `<@${fake.botUserId}> show me the script` });
    const code = Array.from({ length: 78 }, (_, i) => `echo "line ${i} of the deploy script"`).join('\n');
    const text = `Here it is:\n\n\`\`\`bash\n${code}\n\`\`\`\n\n${'And some words after the code. '.repeat(22)}`;
    expect(text.length).toBeGreaterThan(3_400);
    expect(text.length).toBeLessThan(3_600);
    await mesh.reply({ parts: [text], inReplyTo: asked.id });
    await eventually(() => botMessages(fake, 'general').length === 2, 5_000, 'two messages');
    const [first, second] = botMessages(fake, 'general');
    for (const m of [first!, second!]) {
      expect(m.content.length).toBeLessThanOrEqual(2_000);
      expect(fences(m.content) % 2).toBe(0);
    }
    expect(first!.message_reference).toMatchObject({ message_id: asked.id });
    expect(second!.message_reference).toBeUndefined();
    // The code block is split inside: closed at the end of the first message, reopened (with its language) in the second.
    expect(first!.content.startsWith('Here it is:')).toBe(true);
    expect(first!.content.endsWith('```')).toBe(true);
    expect(second!.content.startsWith('```bash\n')).toBe(true);
    expect(`${first!.content}\n${second!.content}`).toContain('line 77 of the deploy script');
  });

  test('GIVEN a reply with embeds and buttons THEN they render as Discord embeds and action rows with custom_id = action', async () => {
    mesh = await startDiscordMesh();
    const { fake } = mesh;
    await mesh.reply({
      parts: ['Incident inc-1 is firing.'],
      embeds: [{ title: 'DB latency p99 > 2s', description: 'since 10:02', color: 0xe67e22, fields: [{ name: 'service', value: 'db', inline: true }], footer: 'alertmanager' }],
      buttons: [
        { action: 'ops:ack:inc-1', label: 'Ack', style: 'success' },
        { action: 'ops:silence:inc-1:3600', label: 'Silence 1h' },
        { action: 'ops:resolve:inc-1', label: 'Resolve', style: 'danger' },
        { action: 'ops:escalate:inc-1', label: 'Escalate' },
        { action: 'ops:note:inc-1', label: 'Note' },
        { action: 'runbook', label: 'Runbook', style: 'link', url: 'https://example.com/runbook' },
      ],
    });
    await eventually(() => botMessages(fake, 'general').length === 1, 5_000, 'the message');
    const [m] = botMessages(fake, 'general');
    expect(m!.content).toBe('Incident inc-1 is firing.');
    expect(m!.embeds).toEqual([expect.objectContaining({ title: 'DB latency p99 > 2s', description: 'since 10:02', color: 0xe67e22, fields: [{ name: 'service', value: 'db', inline: true }], footer: { text: 'alertmanager' } })]);
    const rows = m!.components as Array<{ type: number; components: Array<{ custom_id?: string; style: number; url?: string }> }>;
    expect(rows.map((r) => r.components.length)).toEqual([5, 1]);
    expect(rows[0]!.components.map((c) => c.custom_id)).toEqual(['ops:ack:inc-1', 'ops:silence:inc-1:3600', 'ops:resolve:inc-1', 'ops:escalate:inc-1', 'ops:note:inc-1']);
    expect(rows[0]!.components[0]!.style).toBe(3);
    expect(rows[1]!.components[0]).toMatchObject({ style: 5, url: 'https://example.com/runbook' });
  });

  test('GIVEN two replies with the same editKey THEN the first posts the message and the second edits it in place', async () => {
    mesh = await startDiscordMesh();
    const { fake } = mesh;
    await mesh.reply({ parts: ['Incident inc-7: firing'], editKey: 'incident-inc-7', buttons: [{ action: 'ops:ack:inc-7', label: 'Ack' }] });
    await eventually(() => botMessages(fake, 'general').length === 1, 5_000, 'posted');
    const [posted] = botMessages(fake, 'general');
    await mesh.reply({ parts: ['Incident inc-7: acknowledged by Alice'], editKey: 'incident-inc-7', buttons: [] });
    await eventually(() => fake.records.messages.some((e) => e.kind === 'edit' && e.message.id === posted!.id), 5_000, 'edited');
    const now = botMessages(fake, 'general');
    expect(now).toHaveLength(1);
    expect(now[0]).toMatchObject({ id: posted!.id, content: 'Incident inc-7: acknowledged by Alice', components: [] });
    expect(now[0]!.edited_timestamp).not.toBeNull();
  });

  test('GIVEN Discord answers 429 to create-message THEN the job is retried after Retry-After and the message is posted once', async () => {
    mesh = await startDiscordMesh();
    const { fake } = mesh;
    fake.failNext('POST /channels/:channelId/messages', { retryAfterSec: 1 });
    const started = Date.now();
    await mesh.reply({ parts: ['after the limit'] });
    await eventually(() => botMessages(fake, 'general').length === 1, 10_000, 'posted after the limit');
    const attempts = fake.records.rest.filter((r) => r.method === 'POST' && r.route === '/channels/:channelId/messages');
    expect(attempts.map((r) => r.status)).toEqual([429, 200]);
    const waited = attempts[1]!.at - attempts[0]!.at;
    expect(waited).toBeGreaterThanOrEqual(1_000);
    expect(waited).toBeLessThan(3_000);
    expect(Date.now() - started).toBeLessThan(5_000);
    await sleep(300);
    expect(botMessages(fake, 'general').map((m) => m.content)).toEqual(['after the limit']);
    const metrics = await (await fetch(`${mesh.bot.url}/metrics`)).text();
    expect(sample(metrics, 'helix_discord_deliveries_total', { outcome: 'rate_limited' })).toBe(1);
    expect(sample(metrics, 'helix_discord_rate_limits_total')).toBeGreaterThanOrEqual(1);
    expect(await deadLettersOf(mesh.prefix)).toEqual([]);
  });

  test('GIVEN Discord answers 403 THEN the reply is dead-lettered with the reason and the next good reply is still delivered', async () => {
    mesh = await startDiscordMesh();
    const { fake } = mesh;
    fake.failNext('POST /channels/:channelId/messages', DiscordErrors.MissingAccess);
    const refused = await mesh.reply({ parts: ['you will not see this'] });
    await eventually(async () => (await deadLettersOf(mesh!.prefix)).length === 1, 5_000, 'dead letter');
    await mesh.reply({ parts: ['but you see this'] });
    await eventually(() => botMessages(fake, 'general').length === 1, 5_000, 'the good reply');
    expect(botMessages(fake, 'general')[0]!.content).toBe('but you see this');
    const [letter] = await deadLettersOf(mesh.prefix);
    expect(letter).toMatchObject({ queue: 'outbound-discord', jobId: refused.replyId, code: 'platform_rejected', attempts: 1 });
    expect(letter!.reason).toMatch(/403 \(code 50001\) Missing Access/);
    expect(letter!.reason).toMatch(/View Channel/);
  });

  test('GIVEN a message Helix accepts THEN it shows typing until the reply is delivered, then stops', async () => {
    mesh = await startDiscordMesh({ discord: { typingIntervalMs: 150, typingDelayMs: 0 } });
    const { fake } = mesh;
    const general = fake.channel('general').id;
    const asked = fake.sendMessage({ content: `<@${fake.botUserId}> think hard` });
    const [turn] = await mesh.inbound.waitFor(1);
    await sleep(500);
    const whileThinking = fake.records.typing.filter((t) => t.channelId === general).length;
    expect(whileThinking).toBeGreaterThanOrEqual(3);
    await mesh.reply({ conversation: turn!.conversation, inReplyTo: asked.id, parts: ['done thinking'] });
    await eventually(() => botMessages(fake, 'general').length === 1, 5_000, 'reply');
    await sleep(100);
    const atReply = fake.records.typing.length;
    await sleep(500);
    expect(fake.records.typing.length).toBe(atReply);
    expect(fake.records.typing[0]!.at).toBeGreaterThanOrEqual(fake.records.dispatches.find((d) => d.t === 'MESSAGE_CREATE')!.at);
  });

  test('GIVEN a reply that comes before typingDelayMs THEN no typing indicator is sent at all', async () => {
    mesh = await startDiscordMesh({ discord: { typingDelayMs: 1_000 } });
    const { fake } = mesh;
    const asked = fake.sendMessage({ content: `<@${fake.botUserId}> quick one` });
    const [turn] = await mesh.inbound.waitFor(1);
    await mesh.reply({ conversation: turn!.conversation, inReplyTo: asked.id, parts: ['quick answer'] });
    await eventually(() => botMessages(fake, 'general').length === 1, 5_000, 'reply');
    await sleep(1_300);
    expect(fake.records.typing).toHaveLength(0);
  });

  test('GIVEN a reply delivered again (a retry after a crash) THEN nothing is posted twice', async () => {
    mesh = await startDiscordMesh();
    const { fake } = mesh;
    const first = await mesh.reply({ parts: ['part one', 'part two'] });
    await eventually(() => botMessages(fake, 'general').length === 2, 5_000, 'two parts');
    await mesh.reply({ ...first, jobId: `${first.replyId}-again` });
    await sleep(600);
    expect(botMessages(fake, 'general').map((m) => m.content)).toEqual(['part one', 'part two']);
  });
});
