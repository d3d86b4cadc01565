// `/slo` on the Discord side: registered for guilds, read into an ops action with the service and share flag;
// a malformed service name is answered politely and never reaches ops.
import { ApplicationCommandOptionType } from 'discord.js';
import { describe, expect, expectTypeOf, test } from 'vitest';
import { HELIX_COMMANDS } from '../../../bots/discord/commands.ts';
import { planInteraction, POLITE } from '../../../bots/discord/interaction-normalize.ts';
import { OpsAction, OpsActionKind, READ_ONLY_OPS_ACTIONS, newTraceparent } from '../../../mesh/index.ts';

const GUILD = '400000000000000004';
const slo = (options: unknown[] = []) => ({
  id: '800000000000000008',
  application_id: '100000000000000001',
  token: 'interaction-token',
  type: 2,
  guild_id: GUILD,
  channel: { id: '200000000000000002', type: 0, name: 'ops' },
  channel_id: '200000000000000002',
  member: { user: { id: '500000000000000005', username: 'bob', global_name: 'Bob' }, nick: null, roles: [GUILD] },
  data: { name: 'slo', type: 1, options },
});
const plan = (raw: unknown) => planInteraction(raw, new Date('2026-11-30T04:00:00.000Z'), newTraceparent());

describe('/slo command', () => {
  test('GIVEN the registered commands THEN /slo exists in guilds with an optional service and an optional share flag', () => {
    const cmd = HELIX_COMMANDS.find((c) => c.name === 'slo');
    expect(cmd).toBeDefined();
    expect(cmd?.contexts).toEqual([0]);
    const opts = (cmd as { options?: Array<{ name: string; type: number; required?: boolean }> }).options ?? [];
    expect(opts.map((o) => [o.name, o.type, o.required])).toEqual([
      ['service', ApplicationCommandOptionType.String, false],
      ['share', ApplicationCommandOptionType.Boolean, false],
    ]);
  });

  test('GIVEN /slo without options by someone with no roles THEN an ops slo action with a private reply route (ops decides; anyone may read)', () => {
    const p = plan(slo());
    expect(p.kind).toBe('ops');
    if (p.kind !== 'ops') return;
    expect(p.action).toMatchObject({ action: 'slo', actor: { accountId: '500000000000000005', roles: [] }, conversation: { id: '200000000000000002' } });
    expect(p.action.service).toBeUndefined();
    expect(p.action.share).toBeUndefined();
    expect(p.action.reply).toMatchObject({ interactionId: expect.any(String), ephemeral: '1' });
    expect(p.action.reply).not.toHaveProperty('interactionToken');
    expect(READ_ONLY_OPS_ACTIONS.has('slo')).toBe(true);
  });

  test('GIVEN /slo service:" Helix " share:true THEN the service is normalized and share is set', () => {
    const p = plan(slo([{ name: 'service', type: 3, value: ' Helix ' }, { name: 'share', type: 5, value: true }]));
    expect(p.kind === 'ops' && p.action).toMatchObject({ action: 'slo', service: 'helix', share: true });
  });

  test('GIVEN share:false THEN the answer stays private', () => {
    const p = plan(slo([{ name: 'share', type: 5, value: false }]));
    expect(p.kind === 'ops' && p.action.share).toBeUndefined();
  });

  test.each([['two words'], ['9lives'], ['x'.repeat(64)], ['a/b']])('GIVEN service %j THEN a polite private answer and no ops action', (service) => {
    expect(plan(slo([{ name: 'service', type: 3, value: service }]))).toEqual({ kind: 'answer', content: POLITE.badSloService, reason: 'slo_service_invalid' });
  });

  test('GIVEN the mesh contract THEN slo is an action kind and a bad service is refused at the schema', () => {
    expectTypeOf<'slo'>().toExtend<OpsActionKind>();
    const p = plan(slo());
    if (p.kind !== 'ops') throw new Error('expected an ops plan');
    expect(OpsAction.safeParse({ ...p.action, service: 'Not A Service' }).success).toBe(false);
    expect(OpsAction.safeParse({ ...p.action, service: 'checkout' }).success).toBe(true);
  });
});
