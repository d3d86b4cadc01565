// Buttons and slash commands: INTERACTION_CREATE from the fake, discord.js's callbacks and follow-ups back.
import { ActionRowBuilder, ButtonBuilder, ButtonStyle, Events, MessageFlags, RESTJSONErrorCodes, Routes, type ButtonInteraction, type ChatInputCommandInteraction, type Interaction, type TextChannel } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { nextEvent, sleep, startHarness, type Harness } from './harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

const ackRow = () => new ActionRowBuilder<ButtonBuilder>().addComponents(new ButtonBuilder().setCustomId('ack:incident-7').setLabel('Ack').setStyle(ButtonStyle.Success));

describe('discord fake: interactions', () => {
  it('a button click reaches interactionCreate; deferReply then editReply are recorded in order with timing', async () => {
    h = await startHarness();
    const client = await h.client();
    const channel = client.channels.cache.get(h.fake.channel('general').id) as TextChannel;
    const page = await channel.send({ content: 'Incident 7: db latency', components: [ackRow()] });

    const handled = nextEvent<[Interaction]>(client, Events.InteractionCreate).then(async ([i]) => {
      const button = i as ButtonInteraction;
      await button.deferReply();
      await sleep(150);
      await button.editReply({ content: 'Acknowledged by alice' });
      return button;
    });
    const click = h.fake.sendInteraction({ type: 3, customId: 'ack:incident-7', user: 'bob' });
    const button = await handled;

    expect(button.isButton()).toBe(true);
    expect(button.customId).toBe('ack:incident-7');
    expect(button.user.username).toBe('bob');
    expect(button.message.id).toBe(page.id);
    expect(button.guildId).toBe(h.fake.guild().id);

    const events = click.events();
    expect(events.map((e) => [e.kind, e.type, e.status])).toEqual([
      ['callback', 5, 204],
      ['edit-original', undefined, 200],
    ]);
    expect(events[0]!.elapsedMs).toBeLessThan(3000);
    expect(events[1]!.elapsedMs - events[0]!.elapsedMs).toBeGreaterThanOrEqual(140);
    // The callback carried no Authorization header (discord.js sends auth:false), and the fake did not require one.
    expect(h.fake.records.rest.find((r) => r.route === '/interactions/:interactionId/:token/callback')?.auth).toBe('none');

    const original = h.fake.messages('general').at(-1)!;
    expect(original.content).toBe('Acknowledged by alice');
    expect((original.flags as number) & MessageFlags.Loading).toBe(0);
    expect(original.interaction_metadata).toMatchObject({ id: click.id, type: 3 });
    expect(h.fake.records.messages.filter((m) => m.message.id === original.id).map((m) => m.kind)).toEqual(['create', 'edit']);
  });

  it('a slash command with a user option resolves, replies within the window and follows up', async () => {
    h = await startHarness();
    const client = await h.client();
    await client.application.commands.set([{ name: 'page', description: 'Page someone', options: [{ name: 'who', description: 'who', type: 6, required: true }] }]);
    const alice = h.fake.user('alice');

    const handled = nextEvent<[Interaction]>(client, Events.InteractionCreate).then(async ([i]) => {
      const cmd = i as ChatInputCommandInteraction;
      const who = cmd.options.getUser('who', true);
      await cmd.reply({ content: `Paging ${who.username}` });
      await cmd.followUp({ content: 'Escalation in 5 min', flags: MessageFlags.Ephemeral });
      return cmd;
    });
    const invocation = h.fake.sendInteraction({ type: 2, commandName: 'page', user: 'bob', options: [{ name: 'who', type: 6, value: alice.id }] });
    const cmd = await handled;

    expect(cmd.commandName).toBe('page');
    expect(cmd.commandId).toBe(h.fake.commands()[0]?.id);
    expect(invocation.events().map((e) => [e.kind, e.type])).toEqual([
      ['callback', 4],
      ['followup', undefined],
    ]);
    const [reply, followUp] = h.fake.messages('general').slice(-2);
    expect(reply?.content).toBe('Paging alice');
    expect(reply?.type).toBe(20);
    expect(reply?.webhook_id).toBe(h.fake.applicationId);
    expect(followUp?.content).toBe('Escalation in 5 min');
    expect((followUp?.flags as number) & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
  });

  it('a component update edits the clicked message in place', async () => {
    h = await startHarness();
    const client = await h.client();
    const channel = client.channels.cache.get(h.fake.channel('general').id) as TextChannel;
    const page = await channel.send({ content: 'Incident 7', components: [ackRow()] });
    const handled = nextEvent<[Interaction]>(client, Events.InteractionCreate).then(([i]) => (i as ButtonInteraction).update({ content: 'Incident 7 (acked)', components: [] }));
    const click = h.fake.sendInteraction({ type: 3, messageId: page.id });
    await handled;
    expect((await click.waitForCallback()).type).toBe(7);
    expect(h.fake.message('general', page.id)).toMatchObject({ content: 'Incident 7 (acked)', components: [] });
  });

  it('a reply after the deadline fails with 10062 Unknown interaction; a second callback with 40060', async () => {
    h = await startHarness({ interactionDeadlineMs: 200 });
    const client = await h.client();
    const late = nextEvent<[Interaction]>(client, Events.InteractionCreate).then(async ([i]) => {
      await sleep(300);
      return (i as ChatInputCommandInteraction).reply('too late').catch((e: unknown) => e);
    });
    const slow = h.fake.sendInteraction({ type: 2, commandName: 'status' });
    expect(await late).toMatchObject({ status: 404, code: RESTJSONErrorCodes.UnknownInteraction });
    expect(slow.events()[0]).toMatchObject({ kind: 'callback', status: 404, errorCode: 10062 });
    expect(slow.events()[0]!.elapsedMs).toBeGreaterThanOrEqual(300);

    h.fake.setInteractionDeadline(3000);
    const twice = h.fake.sendInteraction({ type: 2, commandName: 'status' });
    const route = Routes.interactionCallback(twice.id, twice.token);
    await client.rest.post(route, { body: { type: 4, data: { content: 'one' } }, auth: false });
    const second = await client.rest.post(route, { body: { type: 4, data: { content: 'two' } }, auth: false }).catch((e: unknown) => e);
    expect(second).toMatchObject({ status: 400, code: RESTJSONErrorCodes.InteractionHasAlreadyBeenAcknowledged });
  });

  it('deferReply withResponse gets the interaction callback response object', async () => {
    h = await startHarness();
    const client = await h.client();
    const handled = nextEvent<[Interaction]>(client, Events.InteractionCreate).then(async ([i]) => {
      const cmd = i as ChatInputCommandInteraction;
      const res = await cmd.deferReply({ withResponse: true });
      await cmd.followUp('filled the placeholder');
      return res;
    });
    const inv = h.fake.sendInteraction({ type: 2, commandName: 'status' });
    const res = await handled;
    expect(res.interaction.id).toBe(inv.id);
    expect(res.interaction.responseMessageLoading).toBe(true);
    expect(res.resource?.message?.id).toBe(res.interaction.responseMessageId);
    // After a defer, the first follow-up fills the "thinking" message rather than posting a new one.
    const stored = h.fake.message('general', res.interaction.responseMessageId!);
    expect(stored?.content).toBe('filled the placeholder');
    expect(h.fake.messages('general')).toHaveLength(1);
  });
});
