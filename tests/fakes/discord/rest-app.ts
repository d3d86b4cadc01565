// Gateway discovery, the bot's user and application, application commands, guild reads and role edits.
import type { FakeContext } from './context.ts';
import { DiscordErrors, fail, invalidFormBody, type FieldError } from './errors.ts';
import { Intent } from './gateway.ts';
import { noContent, ok, type RouteDef } from './http.ts';
import type { CommandRecord, GuildRecord, Json } from './state.ts';

const COMMAND_NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

export function appRoutes(ctx: FakeContext, urls: { gateway: () => string; shards: number }): RouteDef[] {
  const { world } = ctx;

  const guildOr404 = (id: string): GuildRecord => world.guilds.get(id) ?? fail(DiscordErrors.UnknownGuild);
  const ownApp = (appId: string) => {
    if (appId !== world.applicationId) fail(DiscordErrors.MissingAccess);
  };
  const application = (): Json => ({
    id: world.applicationId,
    name: world.users.get(world.botUserId)?.username ?? 'bot',
    icon: null,
    description: '',
    summary: '',
    type: null,
    hook: true,
    bot_public: true,
    bot_require_code_grant: false,
    verify_key: '0'.repeat(64),
    flags: 0,
    owner: world.userObject([...world.users.values()].find((u) => !u.bot)?.id ?? world.botUserId),
    team: null,
    bot: world.userObject(world.botUserId),
    approximate_guild_count: world.guilds.size,
    approximate_user_install_count: 0,
    integration_types_config: { '0': {} },
    interactions_endpoint_url: null,
    redirect_uris: [],
    tags: [],
  });

  const validateCommands = (list: Json[]): void => {
    const errs: FieldError[] = [];
    if (list.length > 100) errs.push({ path: '', code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 100 or fewer in length.' });
    const seen = new Set<string>();
    list.forEach((c, i) => {
      const type = (c.type as number | undefined) ?? 1;
      if (typeof c.name !== 'string' || !COMMAND_NAME.test(c.name) || (type === 1 && c.name !== c.name.toLowerCase())) {
        errs.push({ path: `${i}.name`, code: 'APPLICATION_COMMAND_INVALID_NAME', message: 'Command name is invalid' });
      }
      if (type === 1) {
        if (typeof c.description !== 'string' || c.description.length < 1 || c.description.length > 100) {
          errs.push({ path: `${i}.description`, code: 'BASE_TYPE_BAD_LENGTH', message: 'Must be between 1 and 100 in length.' });
        }
      }
      const key = `${type}:${String(c.name)}`;
      if (seen.has(key)) errs.push({ path: `${i}.name`, code: 'APPLICATION_COMMANDS_DUPLICATE_NAME', message: 'Application command names must be unique' });
      seen.add(key);
    });
    if (errs.length) fail(invalidFormBody(errs));
  };

  const commandObject = (c: Json, guildId: string | null, existingId?: string): CommandRecord['command'] => {
    const type = (c.type as number | undefined) ?? 1;
    return {
      id: existingId ?? world.ids.next(),
      application_id: world.applicationId,
      version: world.ids.next(),
      default_member_permissions: (c.default_member_permissions as string | null | undefined) ?? null,
      type,
      name: String(c.name),
      name_localizations: (c.name_localizations as Json | null | undefined) ?? null,
      description: type === 1 ? String(c.description ?? '') : '',
      description_localizations: (c.description_localizations as Json | null | undefined) ?? null,
      ...(guildId ? { guild_id: guildId } : { dm_permission: (c.dm_permission as boolean | undefined) ?? true }),
      ...(c.options ? { options: c.options } : {}),
      contexts: (c.contexts as number[] | null | undefined) ?? null,
      integration_types: (c.integration_types as number[] | undefined) ?? [0],
      nsfw: Boolean(c.nsfw),
    };
  };

  const listFor = (guildId: string | null) => world.commands.filter((c) => c.guildId === guildId).map((c) => c.command);

  const bulkOverwrite = (guildId: string | null, body: unknown) => {
    if (!Array.isArray(body)) fail(invalidFormBody([{ path: '', code: 'BASE_TYPE_ARRAY', message: 'Must be an array.' }]));
    const list = body as Json[];
    validateCommands(list);
    const previous = world.commands.filter((c) => c.guildId === guildId);
    const next = list.map((c) => {
      // Discord keeps a command's id when a command of the same name and type already exists.
      const same = previous.find((p) => p.command.name === c.name && p.command.type === ((c.type as number | undefined) ?? 1));
      return { guildId, command: commandObject(c, guildId, same?.command.id) };
    });
    for (let i = world.commands.length - 1; i >= 0; i--) if (world.commands[i]!.guildId === guildId) world.commands.splice(i, 1);
    world.commands.push(...next);
    return ok(next.map((c) => c.command));
  };

  const createOne = (guildId: string | null, body: unknown) => {
    const c = (body ?? {}) as Json;
    validateCommands([c]);
    const same = world.commands.find((p) => p.guildId === guildId && p.command.name === c.name && p.command.type === ((c.type as number | undefined) ?? 1));
    const command = commandObject(c, guildId, same?.command.id);
    if (same) same.command = command;
    else world.commands.push({ guildId, command });
    return { status: same ? 200 : 201, body: command };
  };

  const findCommand = (guildId: string | null, id: string) => world.commands.find((c) => c.guildId === guildId && c.command.id === id) ?? fail({ status: 404, code: 10063, message: 'Unknown application command' });

  const commandRoutes = (prefix: string, scope: (p: Record<string, string>) => string | null): RouteDef[] => [
    { method: 'GET', template: prefix, auth: true, handler: ({ params }) => (ownApp(params.appId!), ok(listFor(scope(params)))) },
    { method: 'PUT', template: prefix, auth: true, handler: ({ params, body }) => (ownApp(params.appId!), bulkOverwrite(scope(params), body)) },
    { method: 'POST', template: prefix, auth: true, handler: ({ params, body }) => (ownApp(params.appId!), createOne(scope(params), body)) },
    { method: 'GET', template: `${prefix}/:commandId`, auth: true, handler: ({ params }) => (ownApp(params.appId!), ok(findCommand(scope(params), params.commandId!).command)) },
    {
      method: 'PATCH',
      template: `${prefix}/:commandId`,
      auth: true,
      handler: ({ params, body }) => {
        ownApp(params.appId!);
        const rec = findCommand(scope(params), params.commandId!);
        const merged = { ...rec.command, ...((body ?? {}) as Json) };
        validateCommands([merged]);
        rec.command = commandObject(merged, scope(params), rec.command.id);
        return ok(rec.command);
      },
    },
    {
      method: 'DELETE',
      template: `${prefix}/:commandId`,
      auth: true,
      handler: ({ params }) => {
        ownApp(params.appId!);
        const rec = findCommand(scope(params), params.commandId!);
        world.commands.splice(world.commands.indexOf(rec), 1);
        return noContent();
      },
    },
  ];

  const guildScope = (p: Record<string, string>) => {
    const g = world.guilds.get(p.guildId!);
    if (!g) fail(DiscordErrors.MissingAccess); // an app not in the guild may not touch its commands
    return g.id;
  };

  return [
    { method: 'GET', template: '/gateway', auth: false, handler: () => ok({ url: urls.gateway() }) },
    {
      method: 'GET',
      template: '/gateway/bot',
      auth: true,
      handler: () =>
        ok({
          url: urls.gateway(),
          shards: urls.shards,
          session_start_limit: { total: 1000, remaining: ctx.gateway.sessionStartRemaining, reset_after: 14_400_000, max_concurrency: 1 },
        }),
    },
    { method: 'GET', template: '/users/@me', auth: true, handler: () => ok(world.currentUserObject()) },
    { method: 'GET', template: '/users/:userId', auth: true, handler: ({ params }) => ok(world.users.has(params.userId!) ? world.userObject(params.userId!) : fail(DiscordErrors.UnknownUser)) },
    {
      method: 'POST',
      template: '/users/@me/channels',
      auth: true,
      handler: ({ body }) => {
        const rid = String(((body ?? {}) as Json).recipient_id ?? '');
        if (!world.users.has(rid)) fail(invalidFormBody([{ path: 'recipient_id', code: 'NUMBER_TYPE_COERCE', message: `Value "${rid}" is not snowflake.` }]));
        return ok(world.ensureDm(rid));
      },
    },
    { method: 'GET', template: '/applications/@me', auth: true, handler: () => ok(application()) },
    { method: 'GET', template: '/oauth2/applications/@me', auth: true, handler: () => ok(application()) },
    ...commandRoutes('/applications/:appId/commands', () => null),
    ...commandRoutes('/applications/:appId/guilds/:guildId/commands', guildScope),
    { method: 'GET', template: '/guilds/:guildId', auth: true, major: 'guildId', handler: ({ params }) => ok({ ...world.guildObject(guildOr404(params.guildId!)), approximate_member_count: guildOr404(params.guildId!).members.size }) },
    { method: 'GET', template: '/guilds/:guildId/channels', auth: true, major: 'guildId', handler: ({ params }) => ok([...world.channels.values()].filter((c) => c.guild_id === guildOr404(params.guildId!).id && !world.isThread(c))) },
    { method: 'GET', template: '/guilds/:guildId/roles', auth: true, major: 'guildId', handler: ({ params }) => ok([...guildOr404(params.guildId!).roles.values()]) },
    {
      method: 'GET',
      template: '/guilds/:guildId/members/:userId',
      auth: true,
      major: 'guildId',
      handler: ({ params }) => ok(world.memberObject(guildOr404(params.guildId!).id, params.userId!) ?? fail(DiscordErrors.UnknownMember)),
    },
    {
      method: 'GET',
      template: '/guilds/:guildId/members',
      auth: true,
      major: 'guildId',
      handler: ({ params, query }) => {
        const g = guildOr404(params.guildId!);
        const limit = Math.min(1000, Math.max(1, Number(query.limit ?? 1)));
        const after = BigInt(query.after ?? '0');
        const ids = [...g.members.keys()].filter((id) => BigInt(id) > after).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)).slice(0, limit);
        return ok(ids.map((id) => world.memberObject(g.id, id)));
      },
    },
    ...(['PUT', 'DELETE'] as const).map(
      (method): RouteDef => ({
        method,
        template: '/guilds/:guildId/members/:userId/roles/:roleId',
        auth: true,
        major: 'guildId',
        handler: ({ params }) => {
          const g = guildOr404(params.guildId!);
          const m = g.members.get(params.userId!) ?? fail(DiscordErrors.UnknownMember);
          if (!g.roles.has(params.roleId!)) fail(DiscordErrors.UnknownRole);
          const had = m.roles.includes(params.roleId!);
          if (method === 'PUT' && !had) m.roles.push(params.roleId!);
          if (method === 'DELETE' && had) m.roles.splice(m.roles.indexOf(params.roleId!), 1);
          if (had !== (method === 'PUT')) {
            ctx.gateway.dispatch('GUILD_MEMBER_UPDATE', { guild_id: g.id, ...world.memberObject(g.id, m.userId) }, { guildId: g.id, intent: Intent.GuildMembers });
          }
          return noContent();
        },
      }),
    ),
  ];
}
