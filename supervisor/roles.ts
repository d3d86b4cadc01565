import type { HelixConfig } from '../config/index.ts';

/** A process `npm start` runs, and how to tell it is healthy. */
export interface RoleDefinition {
  name: string;
  /** Entry file, relative to the repository root; also what `npm run <name>` runs. */
  entry: string;
  /** Whether this role runs with this configuration (a platform bot without credentials does not). */
  enabled(config: HelixConfig): boolean;
  healthUrl(config: HelixConfig): string | undefined;
}

const at = (host: string, port: number) => (port === 0 ? undefined : `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${port}/healthz`);

/**
 * The roles in start order. Shutdown runs in reverse: the platform bots stop taking messages first,
 * then the brain finishes its turns, then Redis goes.
 */
export const ROLES: readonly RoleDefinition[] = [
  { name: 'brain', entry: 'brain/main.ts', enabled: () => true, healthUrl: (c) => at(c.brain.host, c.brain.port) },
  { name: 'web', entry: 'bots/web/main.ts', enabled: () => true, healthUrl: (c) => at(c.web.host, c.web.port) },
  { name: 'discord', entry: 'bots/discord/main.ts', enabled: (c) => Boolean(c.discord.token), healthUrl: (c) => at(c.discord.host, c.discord.port) },
  { name: 'slack', entry: 'bots/slack/main.ts', enabled: (c) => Boolean(c.slack.botToken && (c.slack.socketMode ? c.slack.appToken : c.slack.signingSecret)), healthUrl: (c) => at(c.slack.host, c.slack.port) },
  { name: 'github', entry: 'bots/github/main.ts', enabled: (c) => Boolean(c.github.appId && c.github.privateKey && c.github.webhookSecret), healthUrl: (c) => at(c.github.host, c.github.port) },
  { name: 'ops', entry: 'ops/main.ts', enabled: (c) => Boolean(c.ops.receiverToken || c.ops.receiverBasicAuth), healthUrl: (c) => at(c.ops.host, c.ops.port) },
  { name: 'gchat', entry: 'bots/gchat/main.ts', enabled: (c) => Boolean(c.gchat.credentials || (c.gchat.clientEmail && c.gchat.privateKey)), healthUrl: (c) => at(c.gchat.host, c.gchat.port) },
  { name: 'x', entry: 'bots/x/main.ts', enabled: (c) => Boolean(c.x.appKey && c.x.appSecret && c.x.accessToken && c.x.accessSecret), healthUrl: (c) => at(c.x.host, c.x.port) },
];

/**
 * Node flags for every role `npm start` runs (scripts/start.mjs gives the supervisor the same). One V8 worker
 * thread instead of four: on the 2-core machines Helix targets, four roles with four GC/compiler threads each
 * only contend, and each thread's heap arenas stay resident. Measured with `npm run bench -- --only=memory`:
 * idle 384 → 354–365 MB, after 10k messages 517–521 → 482–488 MB (the brain's share falls most).
 */
export const ROLE_NODE_FLAGS: readonly string[] = ['--v8-pool-size=1'];

/** The console's URL as a person opens it. */
export function consoleUrl(config: HelixConfig): string {
  const host = config.web.host === '0.0.0.0' || config.web.host === '::' ? '127.0.0.1' : config.web.host;
  return `http://${host}:${config.web.port}/`;
}
