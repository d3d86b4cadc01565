import { z } from 'zod';
import { OpsSection } from './ops-section.ts';
import { PagingSection, SloSection } from './slo-paging-sections.ts';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);
const port = z.number().int().min(0).max(65_535);
const url = z.url();

/** Logging. */
const LogSection = z.object({
  /** pino level. @defaultValue `info` */
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** Redis: the only wire between processes. */
const RedisSection = z.object({
  /** Redis URL. Unset: `npm start` starts a private redis-server (or uses 127.0.0.1:6379); a single role uses redis://127.0.0.1:6379. */
  url: url.optional(),
  /** Key prefix for every queue; a Redis Cluster hash tag. @defaultValue `{helix}` */
  prefix: z.string().regex(/^\{[^{}:]+\}$/, 'must be a Redis Cluster hash tag such as {helix}').default('{helix}'),
  /** Seconds a handled event id still counts as a duplicate (platform redeliveries inside it make no second reply). @defaultValue `86400` */
  dedupeWindowSec: z.number().int().min(60).default(86_400),
  /** The private redis-server `npm start` runs when no Redis URL is set. */
  embedded: z
    .object({
      /** Start a private redis-server (AOF on) when `redis.url` is unset. @defaultValue `true` */
      enabled: z.boolean().default(true),
      /** @defaultValue `6390` */
      port: port.default(6390),
      /** @defaultValue `./data/redis` */
      dir: z.string().default('./data/redis'),
    })
    .prefault({}),
});

/** The SQL store: PGlite files by default, PostgreSQL when a URL is given. */
const StoreSection = z.object({
  /** PostgreSQL URL (e.g. postgres://user@host:5432/helix). Unset: embedded PGlite under `dataDir`. */
  databaseUrl: z.string().regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://').optional(),
  /** PGlite data directory; `memory://` keeps it in memory. @defaultValue `./data/pglite` */
  dataDir: z.string().default('./data/pglite'),
  /** PostgreSQL schema for Helix's tables (created if missing); isolates a deployment or a test run. Unset: the connection's default (`public`). */
  schema: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a plain lower-case SQL identifier').optional(),
  /** PGlite's page cache (shared_buffers) in MB; resident memory. Unset: half the data's size at start, 16 MB to 1 GB. */
  cacheMb: z.number().int().min(16).max(65_536).optional(),
});

/** The brain: the turn loop. */
const BrainSection = z.object({
  /** Address for /healthz and /metrics. @defaultValue `127.0.0.1` */
  host: z.string().default('127.0.0.1'),
  /** @defaultValue `8091` */
  port: port.default(8091),
  /** Conversations handled at once by one brain process. @defaultValue `32` */
  concurrency: z.number().int().min(1).max(1_000).default(32),
  burst: z
    .object({
      /** Quiet time after a text message before its burst becomes one turn. @defaultValue `1500` */
      quietMs: z.number().int().min(0).max(60_000).default(1_500),
      /** Quiet time for voice turns (speech is already endpointed). @defaultValue `0` */
      voiceQuietMs: z.number().int().min(0).max(60_000).default(0),
      /** Longest a burst may keep growing before it is answered anyway. @defaultValue `8000` */
      maxMs: z.number().int().min(0).max(300_000).default(8_000),
    })
    .prefault({}),
  /** Past messages of a conversation put in the prompt. @defaultValue `12` */
  historyMessages: z.number().int().min(0).max(200).default(12),
  /** Longest one turn may take (model included) before it is retried. @defaultValue `120000` */
  turnTimeoutMs: z.number().int().min(1_000).default(120_000),
  /** Longest wait for the ops service's answer when someone asks how Helix is doing. @defaultValue `2000` */
  opsHealthTimeoutMs: z.number().int().min(100).max(30_000).default(2_000),
  /** A job's lock lifetime; a crashed brain's turns are taken over after at most lockDurationMs + stalledIntervalMs. @defaultValue `30000` */
  lockDurationMs: z.number().int().min(500).default(30_000),
  /** How often workers look for jobs whose brain died, and the brain frees conversations whose turn job failed for good. @defaultValue `30000` */
  stalledIntervalMs: z.number().int().min(500).default(30_000),
});

const OpenAiSection = z.object({
  /** Base URL of an OpenAI-compatible API (OpenAI, vLLM, llama.cpp server, LM Studio, HF router). @defaultValue `https://api.openai.com/v1` */
  baseUrl: url.default('https://api.openai.com/v1'),
  /** API key (secret: prefer HELIX_LLM__OPENAI__API_KEY_FILE). */
  apiKey: z.string().min(1).optional(),
  /** @defaultValue `gpt-4o-mini` */
  model: z.string().min(1).default('gpt-4o-mini'),
});

const OllamaSection = z.object({
  /** @defaultValue `http://127.0.0.1:11434` */
  baseUrl: url.default('http://127.0.0.1:11434'),
  /** Model name; unset picks the first model Ollama lists. */
  model: z.string().min(1).optional(),
});

const LocalModelSection = z.object({
  /** A GGUF file to run in-process. Unset: the first `*.gguf` in `modelsDir`. */
  modelPath: z.string().min(1).optional(),
  /** @defaultValue `./models` */
  modelsDir: z.string().default('./models'),
  /** CPU threads for llama.cpp; 0 lets it choose. @defaultValue `0` */
  threads: z.number().int().min(0).max(256).default(0),
  /** Use a GPU when llama.cpp finds one. @defaultValue `false` */
  gpu: z.boolean().default(false),
  /** @defaultValue `4096` */
  contextSize: z.number().int().min(128).max(1_048_576).default(4_096),
});

/** The language model. */
const LlmSection = z.object({
  /** `auto`: Ollama if it answers, else a GGUF in `local.modelsDir`, else no-model mode. @defaultValue `auto` */
  provider: z.enum(['auto', 'openai', 'ollama', 'local', 'none']).default('auto'),
  /** Longest one model call may take, stream included. @defaultValue `60000` */
  timeoutMs: z.number().int().min(100).default(60_000),
  /** Retries on 429/5xx/network errors before the first token (Retry-After honoured). @defaultValue `3` */
  maxRetries: z.number().int().min(0).max(10).default(3),
  /** Calls in flight at once per provider. @defaultValue `4` */
  maxConcurrency: z.number().int().min(1).max(256).default(4),
  /** Token budget per minute per provider (prompt + completion, estimated); 0 = unlimited. @defaultValue `0` */
  tokensPerMinute: z.number().int().min(0).default(0),
  /** @defaultValue `512` */
  maxTokens: z.number().int().min(1).max(32_768).default(512),
  /** @defaultValue `0.7` */
  temperature: z.number().min(0).max(2).default(0.7),
  openai: OpenAiSection.prefault({}),
  ollama: OllamaSection.prefault({}),
  local: LocalModelSection.prefault({}),
});

/** Long-term memory: embedder, recall and consolidation (brain/memory). */
const MemorySection = z.object({
  /** `local` (offline feature hashing), `ollama` (/api/embed) or `openai` (an OpenAI-compatible /v1/embeddings). @defaultValue `local` */
  embedder: z.enum(['local', 'ollama', 'openai']).default('local'),
  /** Embedding model. Unset: `nomic-embed-text` (ollama), `text-embedding-3-small` (openai). */
  model: z.string().min(1).optional(),
  /** Embedder base URL. Unset: `llm.ollama.baseUrl` or `llm.openai.baseUrl`. */
  url: url.optional(),
  /** API key of the OpenAI-compatible embedder (secret). Unset: `llm.openai.apiKey`. */
  apiKey: z.string().min(1).optional(),
  /** Stored vector size; the column is vector(384), longer model vectors are cut and re-normalised. @defaultValue `384` */
  dims: z.literal(384).default(384),
  /** Longest one embedding call may take. @defaultValue `30000` */
  timeoutMs: z.number().int().min(100).default(30_000),
  /** Memories recalled into one prompt. @defaultValue `8` */
  recallK: z.number().int().min(1).max(100).default(8),
  /** Candidates each retriever (full text, vector, recency) offers before fusion. @defaultValue `50` */
  candidates: z.number().int().min(1).max(1_000).default(50),
  /** HNSW `ef_search` for vector recall (higher: more exact, slower). @defaultValue `100` */
  efSearch: z.number().int().min(1).max(1_000).default(100),
  /** Exchanges from the person's other conversations put in recall. @defaultValue `3` */
  recentExchanges: z.number().int().min(0).max(50).default(3),
  /** Longest memory accepted, in characters; longer writes are refused. @defaultValue `2000` */
  maxMemoryChars: z.number().int().min(50).max(100_000).default(2_000),
  consolidation: z
    .object({
      /** A person's new messages in one conversation that trigger a consolidation job. @defaultValue `20` */
      everyMessages: z.number().int().min(1).max(10_000).default(20),
      /** Sentences kept by the extractive summary. @defaultValue `3` */
      summarySentences: z.number().int().min(1).max(20).default(3),
      /** Ask the language model for facts and summaries when one is configured (else the pattern fallback). @defaultValue `true` */
      useModel: z.boolean().default(true),
      /** Consolidation jobs run at once. @defaultValue `1` */
      concurrency: z.number().int().min(1).max(64).default(1),
    })
    .prefault({}),
});

/** The web console (bots/web). */
const WebSection = z.object({
  /** Bind address; anything but loopback requires `accessToken`. @defaultValue `127.0.0.1` */
  host: z.string().default('127.0.0.1'),
  /** @defaultValue `8080` */
  port: port.default(8080),
  /** Token the browser must present when the console is not bound to loopback (secret). */
  accessToken: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Largest message body accepted, in bytes. @defaultValue `65536` */
  maxBodyBytes: z.number().int().min(1_024).default(65_536),
});

const snowflake = z.string().regex(/^\d{15,22}$/, 'must be a Discord id (a snowflake: 15-22 digits)');
/** A list in YAML, or a comma-separated string (how an environment variable gives one). */
const listOf = <T extends z.ZodType>(item: T) =>
  z.union([
    z.array(item),
    z.string().transform((s, ctx) => {
      const parsed = z.array(item).safeParse(s.split(',').map((x) => x.trim()).filter(Boolean));
      if (!parsed.success) {
        for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: `${issue.message} (in the comma-separated list)` });
        return z.NEVER;
      }
      return parsed.data;
    }),
  ]);
const shardId = z.union([z.number().int().min(0), z.string().regex(/^\d+$/).transform(Number)]);

/** The Discord bot (bots/discord). Runs only when `token` is set. */
const DiscordSection = z.object({
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

/** `npm start`'s supervisor of the role processes. */
const SupervisorSection = z.object({
  /** Address of the supervisor's /healthz and /metrics. @defaultValue `127.0.0.1` */
  host: z.string().default('127.0.0.1'),
  /** @defaultValue `8090` */
  port: port.default(8090),
  /** Longest a role may take to stop on shutdown before it is killed. @defaultValue `15000` */
  stopTimeoutMs: z.number().int().min(100).default(15_000),
  /** Longest wait between restarts of a role that keeps crashing. @defaultValue `30000` */
  maxRestartDelayMs: z.number().int().min(100).default(30_000),
});

/** The persona that shapes every prompt. */
const PersonaSection = z.object({
  /** A persona YAML/JSON file. Unset: the shipped default (config/persona.default.yaml). */
  file: z.string().min(1).optional(),
});

/** People across platforms, link codes, mood and relationships (identity/). */
const IdentitySection = z.object({
  /** How long a link code works after it is given, in seconds. @defaultValue `600` */
  linkCodeTtlSec: z.number().int().min(30).max(86_400).default(600),
  /** Half-life, in minutes, of Helix's mood returning to its temperament. @defaultValue `180` */
  moodHalfLifeMinutes: z.number().min(1).max(100_000).default(180),
  /** Half-life, in days, of a relationship's warmth, trust and familiarity without contact. @defaultValue `21` */
  relationshipHalfLifeDays: z.number().min(0.01).max(3_650).default(21),
  /**
   * What appraises each message's tone: `offline` (VADER, no model call) or `model` (one short extra call to the
   * configured language model per turn; falls back to VADER on a timeout or an unusable answer, and is `offline`
   * in no-model mode). @defaultValue `'offline'`
   */
  appraiser: z.enum(['offline', 'model']).default('offline'),
  /** Longest wait for the model's appraisal before VADER answers for that turn, in ms. @defaultValue `1500` */
  appraiserTimeoutMs: z.number().int().min(100).max(30_000).default(1_500),
});

/** The whole configuration. Defaults live here and nowhere else. */
/** The Slack bot (bots/slack). Runs when `botToken` and `signingSecret` are set (Events API over HTTP), or `botToken` with `socketMode` and `appToken`. */
const SlackSection = z.object({
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
const GitHubSection = z.object({
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
const XSection = z.object({
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
const GChatSection = z.object({
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

/** Discord voice: speech-to-text, text-to-speech, voice-activity detection, endpointing, barge-in (voice/). */
const VoiceSection = z
  .object({
    stt: z
      .object({
        /** `local` (pocketsphinx, offline), `wyoming` (wyoming-faster-whisper) or `openai` (POST /v1/audio/transcriptions). @defaultValue `local` */
        engine: z.enum(['local', 'wyoming', 'openai']).default('local'),
        /** Server URL: `tcp://host:10300` for Wyoming, `http://host:8000/v1` for OpenAI-compatible. */
        url: z.string().min(1).optional(),
        /** Model name to ask the server for (OpenAI-compatible: e.g. `whisper-1`). */
        model: z.string().min(1).optional(),
        /** API key for an OpenAI-compatible server (secret: prefer HELIX_VOICE__STT__API_KEY_FILE). */
        apiKey: z.string().min(1).optional(),
        /** Longest one transcription may take before it is abandoned. @defaultValue `15000` */
        timeoutMs: z.number().int().min(100).default(15_000),
        /** `local` only: the phrases pocketsphinx may recognize (a grammar); empty uses its general model. @defaultValue `[]` */
        phrases: listOf(z.string().min(1)).default([]),
      })
      .prefault({}),
    tts: z
      .object({
        /** `local` (espeak-ng), `wyoming` (wyoming-piper) or `openai` (POST /v1/audio/speech). @defaultValue `local` */
        engine: z.enum(['local', 'wyoming', 'openai']).default('local'),
        /** Server URL: `tcp://host:10200` for Wyoming, `http://host:8000/v1` for OpenAI-compatible. */
        url: z.string().min(1).optional(),
        /** Voice: espeak-ng voice (default `en-us`), Piper voice name, or OpenAI voice (default `alloy`). */
        voice: z.string().min(1).optional(),
        /** Model for an OpenAI-compatible server. @defaultValue `tts-1` (there) */
        model: z.string().min(1).optional(),
        /** API key for an OpenAI-compatible server (secret: prefer HELIX_VOICE__TTS__API_KEY_FILE). */
        apiKey: z.string().min(1).optional(),
        /** Longest one sentence's synthesis may take before it is skipped. @defaultValue `15000` */
        timeoutMs: z.number().int().min(100).default(15_000),
      })
      .prefault({}),
    vad: z
      .object({
        /** WebRTC VAD mode: 0 (lenient) to 3 (strict). @defaultValue `2` */
        aggressiveness: z.number().int().min(0).max(3).default(2),
      })
      .prefault({}),
    endpointing: z
      .object({
        /** Silence that ends a turn. @defaultValue `700` */
        silenceMs: z.number().int().min(100).max(10_000).default(700),
        /** Longest utterance; a speaker who never pauses is cut here. @defaultValue `15000` */
        maxUtteranceMs: z.number().int().min(1_000).max(120_000).default(15_000),
        /** Less speech than this (a cough, a click) is dropped. @defaultValue `250` */
        minSpeechMs: z.number().int().min(0).max(5_000).default(250),
      })
      .prefault({}),
    bargeIn: z
      .object({
        /** Speech over Helix that stops its playback; shorter backchannels ("mm-hm") do not. @defaultValue `400` */
        thresholdMs: z.number().int().min(100).max(5_000).default(400),
      })
      .prefault({}),
    /** Also post what was heard and what Helix said as text in the voice channel's chat. @defaultValue `false` */
    textEcho: z.boolean().default(false),
  })
  .superRefine((v, ctx) => {
    for (const side of ['stt', 'tts'] as const) {
      const { engine, url: u } = v[side];
      if (engine === 'wyoming' && !(u && /^tcp:\/\/[^/]+:\d+\/?$/.test(u))) ctx.addIssue({ code: 'custom', path: [side, 'url'], message: `required when voice.${side}.engine is wyoming: tcp://host:port (e.g. tcp://127.0.0.1:${side === 'stt' ? 10300 : 10200})` });
      if (engine === 'openai' && !(u && /^https?:\/\//.test(u))) ctx.addIssue({ code: 'custom', path: [side, 'url'], message: `required when voice.${side}.engine is openai: the base URL up to /v1 (e.g. http://127.0.0.1:8000/v1)` });
    }
    if (v.endpointing.minSpeechMs > v.endpointing.maxUtteranceMs) ctx.addIssue({ code: 'custom', path: ['endpointing', 'minSpeechMs'], message: 'must not exceed voice.endpointing.maxUtteranceMs' });
  });

export const HelixConfig = z
  .object({
    log: LogSection.prefault({}),
    redis: RedisSection.prefault({}),
    store: StoreSection.prefault({}),
    brain: BrainSection.prefault({}),
    llm: LlmSection.prefault({}),
    memory: MemorySection.prefault({}),
    web: WebSection.prefault({}),
    discord: DiscordSection.prefault({}),
    slack: SlackSection.prefault({}),
    github: GitHubSection.prefault({}),
    gchat: GChatSection.prefault({}),
    x: XSection.prefault({}),
    supervisor: SupervisorSection.prefault({}),
    persona: PersonaSection.prefault({}),
    voice: VoiceSection.prefault({}),
    identity: IdentitySection.prefault({}),
    ops: OpsSection.prefault({}),
    slo: SloSection.prefault({}),
    paging: PagingSection.prefault({}),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    if (!LOOPBACK.has(cfg.web.host) && !cfg.web.accessToken) {
      ctx.addIssue({ code: 'custom', path: ['web', 'accessToken'], message: `required when web.host is ${cfg.web.host} (not loopback), so strangers cannot talk to Helix` });
    }
    if (cfg.discord.shardIds.length > 0) {
      if (cfg.discord.shards === 'auto') {
        ctx.addIssue({ code: 'custom', path: ['discord', 'shards'], message: 'must be a number when discord.shardIds is set (every process must agree on the total)' });
      } else {
        const total = cfg.discord.shards;
        const bad = cfg.discord.shardIds.filter((id) => id >= total);
        if (bad.length) ctx.addIssue({ code: 'custom', path: ['discord', 'shardIds'], message: `ids ${bad.join(', ')} are not below discord.shards (${total})` });
      }
    }
    if (cfg.slack.socketMode && !cfg.slack.appToken) {
      ctx.addIssue({ code: 'custom', path: ['slack', 'appToken'], message: 'required when slack.socketMode is true (an app-level token, xapp-…, with connections:write; see README, "Connecting Slack")' });
    }
    if (cfg.gchat.credentials || cfg.gchat.clientEmail || cfg.gchat.privateKey) {
      if (!cfg.gchat.credentials && !(cfg.gchat.clientEmail && cfg.gchat.privateKey)) {
        ctx.addIssue({ code: 'custom', path: ['gchat', cfg.gchat.clientEmail ? 'privateKey' : 'clientEmail'], message: 'gchat.clientEmail and gchat.privateKey go together (or give the JSON key as gchat.credentials; see README, "Connecting Google Chat")' });
      }
      if (cfg.gchat.audience === 'projectNumber' && !cfg.gchat.projectNumber) {
        ctx.addIssue({ code: 'custom', path: ['gchat', 'projectNumber'], message: 'required when gchat.audience is projectNumber (the Cloud project number; see README, "Connecting Google Chat")' });
      }
      if (cfg.gchat.audience === 'endpointUrl' && !cfg.gchat.endpointUrl) {
        ctx.addIssue({ code: 'custom', path: ['gchat', 'endpointUrl'], message: 'required when gchat.audience is endpointUrl (the HTTP endpoint URL set in the Chat API configuration)' });
      }
    }
    if (cfg.llm.provider === 'openai' && !cfg.llm.openai.apiKey && cfg.llm.openai.baseUrl.startsWith('https://api.openai.com')) {
      ctx.addIssue({ code: 'custom', path: ['llm', 'openai', 'apiKey'], message: 'required for api.openai.com' });
    }
  });
export type HelixConfig = z.infer<typeof HelixConfig>;

/** Redis URL a single role uses when none is configured. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
