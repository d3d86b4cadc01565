import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { HelixConfig, Persona } from '../config/index.ts';
import {
  DEAD_LETTER_QUEUE, DeadLetters, INBOUND_QUEUE, MEMORY_CONSOLIDATION_QUEUE, Platform, createProcessMetrics, createRedis, healthRoutes, logOutages, listen,
  type Logger, type ProcessMetrics, type RunningServer, withDeadline,
} from '../mesh/index.ts';
import { openIdentity } from '../identity/index.ts';
import { ConversationLog, openStore, type Store } from '../store/index.ts';
import { createBrainMetrics } from './brain-metrics.ts';
import { ConversationMailbox } from './conversation-mailbox.ts';
import { startIntake } from './intake.ts';
import type { LlmProvider } from './llm/provider.ts';
import { ReplySender } from './reply-sender.ts';
import { startAbandonedTurnSweep } from './abandoned-turn-sweep.ts';
import { buildPrompt } from './turn/stages/build-prompt.ts';
import { appraise } from './turn/stages/appraise.ts';
import { selectAppraiser } from './appraise/appraiser.ts';
import { OpsHealthClient } from './health/ops-health-client.ts';
import { platformHealth } from './turn/stages/platform-health.ts';
import { generate } from './turn/stages/generate.ts';
import { identityCommands } from './turn/stages/identity-commands.ts';
import { recordEmotion } from './turn/stages/record-emotion.ts';
import { accountsOfFrom, memoryCommands, recallMemories, rememberTurns } from './turn/stages/memory.ts';
import { MemoryStore, enqueueConsolidation, memoriesOwnedTable, selectEmbedder, startConsolidationConsumer, startReembedder } from './memory/index.ts';
import { resolvePerson } from './turn/stages/resolve-person.ts';
import { loadHistory } from './turn/stages/load-history.ts';
import { recordIncoming } from './turn/stages/record-incoming.ts';
import { recordReply } from './turn/stages/record-reply.ts';
import { shapeReply } from './turn/stages/shape-reply.ts';
import type { TurnStep } from './turn/run-stages.ts';
import { startTurnWorker } from './turn-worker.ts';
import { startDeadLetterRetention } from './dead-letter-retention.ts';
import { TurnRunner } from './turn-runner.ts';
import { TurnScheduler } from './turn-scheduler.ts';

export interface BrainOptions {
  config: HelixConfig;
  redisUrl: string;
  log: Logger;
  provider: LlmProvider;
  persona: Persona;
  /** An open store; the brain closes it on close. */
  store: Store;
  /** Serve /healthz and /metrics on config.brain.host:port. @defaultValue `true` */
  serveHttp?: boolean;
}

/** A running brain; `close()` stops intake, lets in-flight turns finish, then closes queues, Redis, store and model. */
export interface RunningBrain {
  readonly metrics: ProcessMetrics;
  readonly http: RunningServer | undefined;
  close(): Promise<void>;
}

/** Wires the turn loop: intake (inbound → mailbox), the turn worker (mailbox → stages → outbound), health and metrics. */
export async function startBrain(opts: BrainOptions): Promise<RunningBrain> {
  const { config, log } = opts;
  const prefix = config.redis.prefix;
  const retention = { dedupeWindowSec: config.redis.dedupeWindowSec };
  const redis: Redis = createRedis(opts.redisUrl, 'worker', 'helix-brain');
  const outage = logOutages(redis, log);
  const metrics = createProcessMetrics('brain');
  const brainMetrics = createBrainMetrics(metrics);
  const deadLetters = new DeadLetters(redis, prefix, metrics);
  const mailbox = new ConversationMailbox(redis, prefix, config.redis.dedupeWindowSec);
  const scheduler = new TurnScheduler(redis, prefix);
  const sender = new ReplySender(redis, prefix, retention);
  const conversationLog = new ConversationLog(opts.store.db);
  const linkCodeTtlMs = config.identity.linkCodeTtlSec * 1_000;
  const identity = await openIdentity(opts.store.db, {
    linkCodeTtlMs,
    moodHalfLifeMs: config.identity.moodHalfLifeMinutes * 60_000,
    relationshipHalfLifeMs: config.identity.relationshipHalfLifeDays * 86_400_000,
    temperament: opts.persona.temperament,
    platforms: Platform.options,
    onPersonCreated: () => brainMetrics.peopleCreated.inc(),
    onRelationshipUpdate: (s) => {
      brainMetrics.relationship.observe({ dimension: 'warmth' }, s.warmth);
      brainMetrics.relationship.observe({ dimension: 'trust' }, s.trust);
      brainMetrics.relationship.observe({ dimension: 'familiarity' }, s.familiarity);
    },
  });
  // Long-term memory: per person, merged with them when accounts are linked.
  const memory = await MemoryStore.open({
    store: opts.store,
    embedder: selectEmbedder(config),
    options: { recallK: config.memory.recallK, candidates: config.memory.candidates, efSearch: config.memory.efSearch, maxMemoryChars: config.memory.maxMemoryChars, recentExchanges: config.memory.recentExchanges },
    log,
  });
  identity.merger.register(memoriesOwnedTable);
  // Memories without a vector of the current embedder (a switch, or the embedder was down) get one in the background.
  const reembedder = startReembedder(memory.deps, { onEmbedded: (n) => brainMetrics.reembedded.inc(n) });
  const accountsOf = accountsOfFrom(identity);
  // Summaries and fact extraction run in the background, on their own queue, every N messages of a person.
  const consolidationQueue = new Queue(MEMORY_CONSOLIDATION_QUEUE, { connection: redis, prefix });
  const consolidation = startConsolidationConsumer({
    memory, connection: redis, prefix, log, deadLetters, metrics, accountsOf,
    llm: config.memory.consolidation.useModel && opts.provider.id !== 'none' ? opts.provider : undefined,
    summarySentences: config.memory.consolidation.summarySentences,
    concurrency: config.memory.consolidation.concurrency,
  });
  // Made at the first "how are you doing?": most brains never need its listening connection.
  let opsHealth: OpsHealthClient | undefined;
  const stages: TurnStep[] = [
    // Independent: the burst is written (and the history read) while its authors are looked up.
    [recordIncoming(conversationLog), resolvePerson(identity.people)],
    loadHistory(conversationLog, config.brain.historyMessages),
    identityCommands(identity, { codeTtlMs: linkCodeTtlMs, platforms: Platform.options, commands: brainMetrics.identityCommands }),
    memoryCommands(memory, accountsOf),
    platformHealth({ ask: (traceparent) => (opsHealth ??= new OpsHealthClient({ connection: redis, prefix, log, timeoutMs: config.brain.opsHealthTimeoutMs })).ask(traceparent), modelless: opts.provider.id === 'none' }),
    appraise(identity, selectAppraiser(config.identity, opts.provider, brainMetrics.appraisals, log)),
    recallMemories(memory, accountsOf),
    buildPrompt(opts.persona),
    generate(opts.provider, { maxTokens: config.llm.maxTokens, temperature: config.llm.temperature, firstTokenSeconds: brainMetrics.firstTokenSeconds, modelSeconds: brainMetrics.modelSeconds }),
    shapeReply(),
    recordReply(conversationLog, opts.persona.name),
  ];
  // After the reply is sent: the person does not wait for Helix to take the turn in.
  const afterReply: TurnStep[] = [
    [
      recordEmotion(identity),
      rememberTurns(memory, { accountsOf, everyMessages: config.memory.consolidation.everyMessages, enqueue: (job) => enqueueConsolidation(consolidationQueue, job) }),
    ],
  ];
  const takeover = { lockDurationMs: config.brain.lockDurationMs, stalledIntervalMs: config.brain.stalledIntervalMs };
  const runner = new TurnRunner({
    log, deadLetters, brainMetrics, mailbox, scheduler, sender, stages, afterReply,
    turnTimeoutMs: config.brain.turnTimeoutMs, concurrency: config.brain.concurrency,
  });
  const turnWorker = startTurnWorker({
    connection: redis, prefix, log, deadLetters, metrics, mailbox, runner,
    burst: config.brain.burst, concurrency: config.brain.concurrency, ...takeover,
  });
  const intake = startIntake({
    connection: redis, prefix, log, deadLetters, metrics, mailbox, scheduler, runner,
    quietMs: { text: config.brain.burst.quietMs, voice: config.brain.burst.voiceQuietMs }, ...takeover,
  });
  // A turn whose job failed for good (stalled past its limit) is freed on the beat stalls are found, not only when the person writes again.
  const abandonedTurns = startAbandonedTurnSweep({ redis, prefix, log, mailbox, runner, scheduler, intervalMs: config.brain.stalledIntervalMs });
  // What nobody could take is kept for redis.deadLetterKeepDays, then removed (hourly), so the queue does not grow for good.
  const deadLetterRetention = startDeadLetterRetention({ deadLetters, log, keepMs: config.redis.deadLetterKeepDays * DAY_MS, trimmed: brainMetrics.deadLettersTrimmed });

  const depthQueues = [new Queue(INBOUND_QUEUE, { connection: redis, prefix }), scheduler.queue, new Queue(DEAD_LETTER_QUEUE, { connection: redis, prefix })];
  for (const q of depthQueues) q.on('error', (err) => log.debug({ err: err.message, queue: q.name }, 'queue connection error'));
  let http: RunningServer | undefined;
  if (opts.serveHttp ?? true) {
    const app = healthRoutes({
      registry: metrics.registry,
      checks: { redis: async () => void (await redis.ping()), store: () => opts.store.ping() },
      beforeScrape: async () => {
        const mood = identity.mood.current(new Date());
        for (const [dimension, value] of Object.entries(mood)) brainMetrics.mood.set({ dimension }, value);
        for (const q of [...depthQueues, ...sender.queues()]) {
          const counts = await q.getJobCounts('wait', 'delayed', 'active', 'prioritized');
          for (const [state, n] of Object.entries(counts)) metrics.queueDepth.set({ queue: q.name, state }, n);
        }
      },
    });
    http = await listen(app, config.brain.host, config.brain.port);
  }
  log.info({ provider: opts.provider.id, model: opts.provider.model, store: opts.store.kind, http: http?.url }, 'brain started');

  let closing: Promise<void> | undefined;
  return {
    metrics,
    http,
    close() {
      closing ??= (async () => {
        // Each step is bounded: with Redis unreachable, BullMQ's close would wait for it forever.
        // Redis already unreachable: nothing will flush, so do not wait for it.
        const deadlineMs = outage.down ? 1_000 : CLOSE_STEP_MS;
        if (outage.down) redis.disconnect();
        const step = async (name: string, run: () => Promise<unknown>): Promise<boolean> => {
          try {
            await withDeadline(run(), deadlineMs, name);
            return true;
          } catch (err) {
            log.warn({ err: (err as Error).message, step: name }, 'shutdown step did not finish cleanly');
            return false;
          }
        };
        // Stop taking work; in-flight turns finish (they are safe to retry if they cannot).
        if (!(await step('workers', () => Promise.all([abandonedTurns.close(), deadLetterRetention.close(), intake.close(), turnWorker.close(), consolidation.close(), reembedder.close()])))) {
          redis.disconnect();
          await step('workers (forced)', () => Promise.all([intake.worker.close(true), turnWorker.worker.close(true)]));
        }
        await step('http', async () => http?.close());
        await step('queues', () => Promise.all([sender.close(), ...depthQueues.map((q) => q.close()), consolidationQueue.close(), deadLetters.close(), opsHealth?.close()]));
        if (!(await step('redis', () => redis.quit()))) redis.disconnect();
        await step('mood', () => identity.mood.flush());
        await step('store', () => opts.store.close());
        await step('model', () => opts.provider.close());
        log.info('brain stopped');
      })();
      return closing;
    },
  };
}

const DAY_MS = 86_400_000;

/** Longest one shutdown step may take before it is forced. */
const CLOSE_STEP_MS = 5_000;


/** Opens the store the config names (PGlite files by default, PostgreSQL with store.databaseUrl). */
export function openConfiguredStore(config: HelixConfig, log: Logger): Promise<Store> {
  return openStore({ ...(config.store.databaseUrl ? { databaseUrl: config.store.databaseUrl } : {}), ...(config.store.schema ? { schema: config.store.schema } : {}), ...(config.store.cacheMb ? { cacheMb: config.store.cacheMb } : {}), dataDir: config.store.dataDir, log });
}
