import { z } from 'zod';
import { OpsSection } from './ops-section.ts';
import { PagingSection, SloSection } from './slo-paging-sections.ts';
import { port, url } from './fields.ts';
import { DiscordSection, GChatSection, GitHubSection, SlackSection, XSection } from './platform-sections.ts';
import { VoiceSection } from './voice-section.ts';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

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
  /** Days a dead-letter entry is kept before the brain removes it (`0`: kept until dropped by hand). @defaultValue `30` */
  deadLetterKeepDays: z.number().int().min(0).max(3_650).default(30),
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
