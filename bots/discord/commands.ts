import { Platform } from '../../mesh/index.ts';
import { ApplicationCommandOptionType, InteractionContextType, Routes, type APIApplicationCommandStringOption, type REST, type RESTPutAPIApplicationCommandsJSONBody } from 'discord.js';

/** Options are limited to what each command needs; Discord validates types and lengths before the bot sees them. */
const text = (name: string, description: string, required: boolean, maxLength = 1_000): APIApplicationCommandStringOption => ({ type: ApplicationCommandOptionType.String, name, description, required, max_length: maxLength });
const incidentId = text('id', 'Incident id (as shown on the alert)', true, 128);

const EVERYWHERE = [InteractionContextType.Guild, InteractionContextType.BotDM, InteractionContextType.PrivateChannel];
const GUILDS = [InteractionContextType.Guild];

/**
 * Helix's slash commands. Companion commands reach the brain as turns; `/incident`, `/oncall` and `/slo`
 * reach ops as actions; `/join` and `/leave` are for voice (answered "not yet" unless `discord.voice.enabled`).
 * @see https://discord.com/developers/docs/interactions/application-commands#application-command-object
 */
export const HELIX_COMMANDS = [
  { name: 'link', description: 'Link this Discord account with your Helix account on another platform', contexts: EVERYWHERE, options: [text('code', 'The one-time code Helix gave you elsewhere (leave empty to get one)', false, 32)] },
  {
    name: 'unlink',
    description: 'Take your account on another platform out of your Helix account',
    contexts: EVERYWHERE,
    options: [{ type: ApplicationCommandOptionType.String, name: 'platform', description: 'Which linked account to unlink (leave empty to see how)', required: false, choices: Platform.options.map((p) => ({ name: p, value: p })) }],
  },
  { name: 'remember', description: 'Ask Helix to remember something about you', contexts: EVERYWHERE, options: [text('text', 'What Helix should remember', true)] },
  { name: 'forget', description: 'Ask Helix to forget something (or everything) it remembers about you', contexts: EVERYWHERE, options: [text('what', 'What to forget (leave empty to see what Helix remembers)', false)] },
  { name: 'export', description: 'Get a copy of what Helix remembers about you', contexts: EVERYWHERE },
  { name: 'join', description: 'Have Helix join your voice channel', contexts: GUILDS },
  { name: 'leave', description: 'Have Helix leave the voice channel', contexts: GUILDS },
  {
    name: 'incident',
    description: 'Act on an incident',
    contexts: GUILDS,
    options: [
      { type: ApplicationCommandOptionType.Subcommand, name: 'ack', description: 'Acknowledge an incident (you are on it)', options: [incidentId] },
      { type: ApplicationCommandOptionType.Subcommand, name: 'resolve', description: 'Mark an incident resolved', options: [incidentId] },
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: 'silence',
        description: "Silence an incident's alerts for a while",
        options: [incidentId, { type: ApplicationCommandOptionType.Integer, name: 'minutes', description: 'How long (default 60)', required: false, min_value: 1, max_value: 43_200 }],
      },
      { type: ApplicationCommandOptionType.Subcommand, name: 'note', description: 'Add a note to the incident timeline', options: [incidentId, text('text', 'The note', true, 2_000)] },
    ],
  },
  { name: 'oncall', description: 'Who is on call right now', contexts: GUILDS },
  {
    // Read-only: anyone in the guild may ask. Answered privately unless `share` is set (then posted in the channel).
    name: 'slo',
    description: "SLO error budgets and burn rates (only you see the answer unless you share it)",
    contexts: GUILDS,
    options: [
      text('service', 'Only this service (as named in its SLO spec)', false, 63),
      { type: ApplicationCommandOptionType.Boolean, name: 'share', description: 'Post the answer in this channel for everyone', required: false },
    ],
  },
] satisfies RESTPutAPIApplicationCommandsJSONBody;

/**
 * Registers the commands with one bulk overwrite per scope: in each of `guildIds` (updates show at once),
 * or globally when the list is empty. Idempotent: Discord keeps ids of commands that did not change.
 * @see https://discord.com/developers/docs/interactions/application-commands#bulk-overwrite-global-application-commands
 */
export async function registerCommands(rest: REST, applicationId: string, guildIds: readonly string[]): Promise<void> {
  const body = HELIX_COMMANDS;
  if (guildIds.length === 0) {
    await rest.put(Routes.applicationCommands(applicationId), { body });
    return;
  }
  for (const guildId of guildIds) await rest.put(Routes.applicationGuildCommands(applicationId, guildId), { body });
}
