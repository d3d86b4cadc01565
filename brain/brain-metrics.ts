import { Counter, Gauge, Histogram, LATENCY_BUCKETS, type ProcessMetrics } from '../mesh/index.ts';

/** The brain's own metrics, registered on the process registry. */
export interface BrainMetrics {
  /** Platform receipt of a burst's first message to its reply on the outbound queue. */
  readonly turnSeconds: Histogram<'platform'>;
  readonly stageSeconds: Histogram<'stage'>;
  readonly firstTokenSeconds: Histogram<'provider'>;
  readonly modelSeconds: Histogram<'provider'>;
  readonly turns: Counter<'platform' | 'outcome'>;
  /** Messages answered per turn (>1 when a burst was coalesced). */
  readonly messagesPerTurn: Histogram<'platform'>;
  /** Link / unlink commands by outcome (`code_given`, `linked`, a refusal reason...). */
  readonly identityCommands: Counter<'command' | 'outcome'>;
  readonly peopleCreated: Counter;
  /** Turns appraised, by where the appraisal came from (`model`, `offline`, `fallback` when the model's was unusable). */
  readonly appraisals: Counter<'source'>;
  /** Memories given a vector of the current embedder by the background re-embedder. */
  readonly reembedded: Counter;
  /** Every written relationship state, by dimension: an aggregate distribution, never per person. */
  readonly relationship: Histogram<'dimension'>;
  /** Helix's mood, sampled at scrape time (set by the brain's collect hook). */
  readonly mood: Gauge<'dimension'>;
  /** Dead-letter entries removed for being older than `redis.deadLetterKeepDays`. */
  readonly deadLettersTrimmed: Counter;
}

export function createBrainMetrics(process: ProcessMetrics): BrainMetrics {
  const registers = [process.registry];
  return {
    turnSeconds: new Histogram({ name: 'helix_turn_seconds', help: 'First message received to reply enqueued.', labelNames: ['platform'], buckets: LATENCY_BUCKETS, registers }),
    stageSeconds: new Histogram({ name: 'helix_turn_stage_seconds', help: 'Time spent in each turn stage.', labelNames: ['stage'], buckets: LATENCY_BUCKETS, registers }),
    firstTokenSeconds: new Histogram({ name: 'helix_model_first_token_seconds', help: 'Model call to first token.', labelNames: ['provider'], buckets: LATENCY_BUCKETS, registers }),
    modelSeconds: new Histogram({ name: 'helix_model_seconds', help: 'Whole model call, stream included.', labelNames: ['provider'], buckets: LATENCY_BUCKETS, registers }),
    turns: new Counter({ name: 'helix_turns_total', help: 'Turns answered, by outcome.', labelNames: ['platform', 'outcome'], registers }),
    messagesPerTurn: new Histogram({ name: 'helix_turn_messages', help: 'Messages answered in one turn (bursts coalesce).', labelNames: ['platform'], buckets: [1, 2, 3, 5, 10, 20, 50], registers }),
    identityCommands: new Counter({ name: 'helix_identity_commands_total', help: 'Link and unlink commands, by outcome.', labelNames: ['command', 'outcome'], registers }),
    appraisals: new Counter({ name: 'helix_appraisals_total', help: 'Turns appraised, by source: model, offline (VADER), fallback (VADER after an unusable model answer).', labelNames: ['source'], registers }),
    reembedded: new Counter({ name: 'helix_memories_reembedded_total', help: 'Memories given a vector of the current embedder in the background (after a switch, or written while the embedder was down).', registers }),
    peopleCreated: new Counter({ name: 'helix_people_created_total', help: 'People created for accounts seen for the first time.', registers }),
    relationship: new Histogram({ name: 'helix_relationship_state', help: 'Relationship values written (warmth, trust -1..1; familiarity 0..1), over all people.', labelNames: ['dimension'], buckets: [-0.75, -0.5, -0.25, -0.1, 0, 0.1, 0.25, 0.5, 0.75, 1], registers }),
    deadLettersTrimmed: new Counter({ name: 'helix_dead_letters_trimmed_total', help: 'Dead-letter entries removed for being older than redis.deadLetterKeepDays.', registers }),
    mood: new Gauge({ name: 'helix_mood', help: "Helix's mood now (pleasure, arousal, dominance; -1..1).", labelNames: ['dimension'], registers }),
  };
}
