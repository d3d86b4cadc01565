/** The contract between Helix processes: what other folders may import from `mesh/`. */
export { Platform, PLATFORM_CAPABILITIES, type PlatformCapabilities } from './platform.ts';
export {
  InboundTurn, OutboundReply, ConversationRef, ConversationKind, Route, Author, Mention, AttachmentMeta, Embed, EmbedField, Button,
  CompanionCommand, CompanionCommandName, PlatformEventId, PlatformAccountId, MAX_INBOUND_TEXT_CHARS,
  type InboundTurnInput, type OutboundReplyInput,
} from './envelope.ts';
export { OPS_ACTIONS_QUEUE, OpsAction, OpsActionKind, OpsActor, MAX_SILENCE_SEC, READ_ONLY_OPS_ACTIONS, SloServiceName, type OpsActionInput } from './ops-action.ts';
export { OPS_ALERTS_QUEUE, OPS_TIMERS_QUEUE, OpsAlert, OpsAlertBatch, OpsTimer, PageRetry, type OpsAlertBatchInput } from './ops-alert.ts';
export { DeadLetterEntry } from './dead-letter.ts';
export { OPS_HEALTH_QUEUE, HealthRequest, HealthSnapshot, healthRequestJobOptions } from './ops-health.ts';
export { MEMORY_CONSOLIDATION_QUEUE, MemoryConsolidationJob, memoryConsolidationJobOptions } from './memory-queues.ts';
export { TurnJob } from './turn-job.ts';
export { DeadLetters, type StoredDeadLetter } from './dead-letters.ts';
export { Traceparent, newTraceparent, traceIdOf, childTraceparent } from './trace.ts';
export { HelixError, hasErrorCode, type HelixErrorCode } from './errors.ts';
export { jobIdFor, safePart } from './job-id.ts';
export { splitMessage } from './text/split-message.ts';
export {
  INBOUND_QUEUE, TURNS_QUEUE, DEAD_LETTER_QUEUE, HELIX_BACKOFF, outboundQueue, inboundJobOptions, outboundJobOptions, helixBackoff,
  DefaultJobRetention, type JobRetentionOptions,
} from './queues.ts';
export { createRedis, redisReady, assertKeyPrefix, logOutages, DEFAULT_KEY_PREFIX, type RedisRole, type OutageState } from './redis.ts';
export { DeadLetteredError, startConsumer, type MeshConsumer, type MeshConsumerOptions } from './consumer.ts';
export { createLogger, traceLogger, REDACT_PATHS, type Logger } from './observe/log.ts';
export { EXIT_CONFIG, exitOnShutdown, exitOnStartupError } from './lifecycle.ts';
export { trimHeapWhenIdle } from './observe/heap-trim.ts';
export { runCloseSteps, withDeadline, type CloseStep } from './shutdown.ts';
export { openProcessRedis, type ProcessRedis, type ProcessRedisOptions } from './process-redis.ts';
export { startReplyDelivery, type DeliveryWiring, type ReplyDeliveryOptions } from './reply-delivery.ts';
export { errnoCode, retryAfterMs } from './http-errors.ts';
export { monotonicNow } from './clock.ts';
export { DeliveryLedger } from './delivery-ledger.ts';
export { CursorStore } from './cursor-store.ts';
export { createProcessMetrics, LATENCY_BUCKETS, Counter, Gauge, Histogram, type ProcessMetrics } from './observe/metrics.ts';
export { healthRoutes, listen, type HealthCheck, type RunningServer } from './observe/health-server.ts';
