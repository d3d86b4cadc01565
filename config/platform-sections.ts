import { z } from 'zod';
import { listOf, port, snowflake, url } from './fields.ts';

const shardId = z.union([z.number().int().min(0), z.string().regex(/^\d+$/).transform(Number)]);

/** The Discord bot (bots/discord). Runs only when `token` is set. */
export const DiscordSection = z.object({
  /** Bot token from the Developer Portal (secret: prefer HELIX_DISCORD__TOKEN_FILE or DISCORD_TOKEN_FILE). Unset: no Discord bot. */
  token: z.string().min(20, 'does not look like a Discord bot token').optional(),
  /** Application id; unset reads it from the gateway's READY. */
  applicationId: snowflake.optional(),
  /** Discord's REST base URL (tests point it at a fake). @defaultValue `https://discord.com/api` */
  apiUrl: url.default('https://discord.com/api'),
  /** Channels where Helix answers every message, not only mentions and replies. @defaultValue `[]` */
  ownChannels: listOf(snowflake).default([]),
  /** Ignore messages from other bots and webhooks. @defaultValue `true` */
  ignoreBots: z.boolean().default(true),
  /** Total shard count: `auto` (Discord's recommendation) or a number. @defaultValue `auto` */
  shards: z.union([z.literal('auto'), z.number().int().min(1).max(16_384), z.string().regex(/^\d+$/, "must be 'auto' or a number").transform(Number)]).default('auto'),
  /** Shard ids this process runs (several processes, disjoint ranges); empty = all of `shards`. @defaultValue `[]` */
  shardIds: listOf(shardId).default([]),
  /** Guilds to register slash commands in (instant updates); empty registers them globally. @defaultValue `[]` */
  commandGuildIds: listOf(snowflake).default([]),
  /** How often the typing indicator is renewed while Helix thinks (Discord shows it ~10 s). @defaultValue `8000` */
  typingIntervalMs: z.number().int().min(100).max(10_000).default(8_000),
  /** Wait this long before showing typing; a reply that comes sooner shows none. @defaultValue `500` */
  typingDelayMs: z.number().int().min(0).max(10_000).default(500),
  /** Voice channels: /join, /leave, and leaving when no human is left. */
  voice: z
    .object({
      /** Let /join bring Helix into the caller's voice channel (needs the Guild Voice States intent). @defaultValue `false` */
      enabled: z.boolean().default(false),
      /** How long Helix stays in a voice channel after the last human left. @defaultValue `30000` */
      leaveWhenEmptyMs: z.number().int().min(0).max(3_600_000).default(30_000),
      /** Longest a join may take to reach a ready voice connection. @defaultValue `15000` */
      joinTimeoutMs: z.number().int().min(1_000).max(120_000).default(15_000),
    })
    .prefault({}),
  /** Address of the bot's /healthz and /metrics. @defaultValue `127.0.0.1` */
  host: z.string().default('127.0.0.1'),
  /** @defaultValue `8092` */
  port: port.default(8092),
});

/** The Slack bot (bots/slack). Runs when `botToken` and `signingSecret` are set (Events API over HTTP), or `botToken` with `socketMode` and `appToken`. */
export const SlackSection = z.object({
  /** Bot User OAuth token, `xoxb-…` (secret: prefer HELIX_SLACK__BOT_TOKEN_FILE). Unset: no Slack bot. */
  botToken: z.string().regex(/^xoxb-/, 'does not look like a Slack bot token (xoxb-…)').optional(),
  /** Signing secret from the app's Basic Information page (secret: prefer HELIX_SLACK__SIGNING_SECRET_FILE). */
  signingSecret: z.string().min(8, 'does not look like a Slack signing secret').optional(),
  /** Take events over Socket Mode (an outbound WebSocket) instead of the HTTP Events API. @defaultValue `false` */
  socketMode: z.boolean().default(false),
  /** App-level token, `xapp-…`, with `connections:write` (secret: prefer HELIX_SLACK__APP_TOKEN_FILE). Required when `socketMode` is true. */
  appToken: z.string().regex(/^xapp-/, 'does not look like a Slack app-level token (xapp-…)').optional(),
  /** Slack's Web API base URL (tests point it at a fake). @defaultValue `https://slack.com/api/` */
  apiUrl: url.default('https://slack.com/api/'),
  /** Ignore messages from other bots (Helix always ignores its own). @defaultValue `true` */
  ignoreBots: z.boolean().default(true),
  /** Address of the Events API endpoint (/slack/events; not served in socket mode), /healthz and /metrics. @defaultValue `127.0.0.1` */
  host: z.string().default('127.0.0.1'),
  /** @defaultValue `8093` */
  port: port.default(8093),
});

/** The GitHub App bot (bots/github). Runs only when `appId`, `privateKey` and `webhookSecret` are all set. */
export const GitHubSection = z.object({
  /** The GitHub App's numeric App ID (its settings page, "About"). Unset: no GitHub bot. */
  appId: z.union([z.number().int().positive(), z.string().regex(/^\d+$/, 'must be the numeric App ID').transform(Number)]).optional(),
  /** The App's private key, PEM (secret: prefer HELIX_GITHUB__PRIVATE_KEY_FILE pointing at the downloaded .pem). */
  privateKey: z.string().min(1).optional(),
  /** The App's webhook secret (secret: prefer HELIX_GITHUB__WEBHOOK_SECRET_FILE). */
  webhookSecret: z.string().min(1).optional(),
  /** The App's slug: Helix answers `@<slug>`. Unset: read from GET /app at start. */
  slug: z.string().regex(/^[a-z0-9][a-z0-9-]*$/i, 'must be the App slug (letters, digits, -)').optional(),
  /** GitHub's REST base URL (GitHub Enterprise: https://<host>/api/v3; tests point it at a fake). @defaultValue `https://api.github.com` */
  apiUrl: url.default('https://api.github.com'),
  /** Address of the webhook endpoint (/api/github/webhooks), /healthz and /metrics. @defaultValue `127.0.0.1` */
  host: z.string().default('127.0.0.1'),
  /** @defaultValue `8094` */
  port: port.default(8094),
});

/** The X (Twitter) bot (bots/x). Runs only when `appKey`, `appSecret`, `accessToken` and `accessSecret` are all set (OAuth 1.0a user context). */
export const XSection = z.object({
  /** The app's API Key (consumer key). Unset: no X bot. */
  appKey: z.string().min(1).optional(),
  /** The app's API Key Secret (consumer secret; also signs webhook CRC answers). Secret: prefer HELIX_X__APP_SECRET_FILE. */
  appSecret: z.string().min(1).optional(),
  /** Access Token of the account Helix speaks as (Read, Write and Direct Messages). */
  accessToken: z.string().min(1).optional(),
  /** Access Token Secret of that account (secret: prefer HELIX_X__ACCESS_SECRET_FILE). */
  accessSecret: z.string().min(1).optional(),
  /** The account's numeric user id; unset: read from GET /2/users/me at start. */
  userId: z.string().regex(/^\d{1,20}$/, 'must be the numeric X user id').optional(),
  /** X API base URL (tests point it at a fake). @defaultValue `https://api.x.com` */
  apiBaseUrl: url.default('https://api.x.com'),
  /** Shortest wait between two polls of mentions (and DMs); rate-limit headers may stretch it. @defaultValue `60000` */
  pollMinMs: z.number().int().min(10).default(60_000),
  /** Longest wait between two polls while the rate limit allows more. @defaultValue `900000` */
  pollMaxMs: z.number().int().min(10).default(900_000),
  /** Answer direct messages (polls GET /2/dm_events; needs the DM permission). @defaultValue `false` */
  dms: z.boolean().default(false),
  /** Take Account Activity webhook deliveries on POST /x/webhook (CRC answered on GET) besides polling. @defaultValue `false` */
  webhook: z.boolean().default(false),
  /** Address of the webhook endpoint, /healthz and /metrics. @defaultValue `127.0.0.1` */
  host: z.string().default('127.0.0.1'),
  /** @defaultValue `8095` */
  port: port.default(8095),
});

/** The Google Chat app (bots/gchat). Runs when a service account is set: `credentials`, or `clientEmail` and `privateKey`. */
export const GChatSection = z.object({
  /** The service account's JSON key, as downloaded (secret: prefer HELIX_GCHAT__CREDENTIALS_FILE=/path/key.json). Unset (and no clientEmail/privateKey): no Google Chat bot. */
  credentials: z.string().min(1).optional(),
  /** The service account's e-mail, when not given through `credentials`. */
  clientEmail: z.email().optional(),
  /** The service account's private key, PEM, when not given through `credentials` (secret: prefer HELIX_GCHAT__PRIVATE_KEY_FILE). */
  privateKey: z.string().min(1).optional(),
  /** Which bearer token Google Chat sends: `projectNumber` (iss chat@system.gserviceaccount.com, aud = projectNumber) or `endpointUrl` (an OIDC ID token, aud = endpointUrl). @defaultValue `projectNumber` */
  audience: z.enum(['projectNumber', 'endpointUrl']).default('projectNumber'),
  /** The Google Cloud project number (digits), the token audience in `projectNumber` mode. */
  projectNumber: z.union([z.string().regex(/^\d{1,20}$/, 'must be the numeric project number'), z.number().int().positive().transform(String)]).optional(),
  /** The app's public HTTPS endpoint URL as configured in the Chat API, the token audience in `endpointUrl` mode. */
  endpointUrl: url.optional(),
  /** Certificates of chat@system.gserviceaccount.com (`projectNumber` mode), cached per Cache-Control. @defaultValue `https://www.googleapis.com/service_accounts/v1/metadata/x509/chat@system.gserviceaccount.com` */
  certsUrl: url.default('https://www.googleapis.com/service_accounts/v1/metadata/x509/chat@system.gserviceaccount.com'),
  /** Google's OIDC signing certificates (`endpointUrl` mode), cached per Cache-Control. @defaultValue `https://www.googleapis.com/oauth2/v1/certs` */
  oidcCertsUrl: url.default('https://www.googleapis.com/oauth2/v1/certs'),
  /** Google Chat API root (tests point it at a fake). @defaultValue `https://chat.googleapis.com/` */
  apiRootUrl: url.default('https://chat.googleapis.com/'),
  /** How long an event's HTTP request waits for the reply to answer it inline; later replies are posted with spaces.messages.create. 0 = never inline. @defaultValue `3000` */
  inlineReplyMs: z.number().int().min(0).max(25_000).default(3_000),
  /** Address of the event endpoint (/gchat/events), /healthz and /metrics. @defaultValue `127.0.0.1` */
  host: z.string().default('127.0.0.1'),
  /** @defaultValue `8096` */
  port: port.default(8096),
});
