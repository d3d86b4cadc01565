import type { Queue } from 'bullmq';
import {
  inboundJobOptions, jobIdFor, safePart, traceLogger, type DeadLetters, type Logger,
} from '../../mesh/index.ts';
import type { Normalized } from './normalize.ts';
import type { XMetrics } from './x-metrics.ts';

/** Where an X event came from. */
export type XSource = 'mentions' | 'dms' | 'webhook';

export interface TurnIntakeOptions {
  inbound: Queue;
  deadLetters: DeadLetters;
  dedupeWindowSec: number;
  metrics: XMetrics;
  log: Logger;
}

/**
 * Puts normalized X events on `inbound`. The job id comes from the post (or DM event) id, so the same
 * mention seen twice (a re-poll after a crash, the webhook and the poller both) is one job. A malformed
 * object from the API is dead-lettered with the reason (once per object) and the rest go on.
 * Throws only when Redis cannot take the job: the caller then must not advance its cursor.
 */
export class TurnIntake {
  readonly #o: TurnIntakeOptions;

  constructor(opts: TurnIntakeOptions) {
    this.#o = opts;
  }

  async take(source: XSource, raw: unknown, result: Normalized): Promise<'queued' | 'duplicate' | 'skipped' | 'dead_lettered'> {
    const { metrics, log } = this.#o;
    if ('skip' in result) {
      if (result.skip === 'malformed') {
        const id = rawId(raw);
        const reason = `malformed ${source === 'dms' ? 'DM event' : 'post'} from X${id ? ` (id ${id})` : ''}: ${result.detail ?? 'unreadable'}`;
        await this.#o.deadLetters.write({ queue: `x-${source}`, jobId: `x-${safePart(id ?? JSON.stringify(raw) ?? 'undefined')}`, payload: raw, code: 'payload_invalid', reason, firstSeen: new Date().toISOString() });
        metrics.events.inc({ source, outcome: 'malformed' });
        log.warn({ source, id, reason }, 'malformed X object dead-lettered');
        return 'dead_lettered';
      }
      metrics.events.inc({ source, outcome: result.skip });
      log.debug({ source, reason: result.skip, detail: result.detail }, 'X event makes no turn');
      return 'skipped';
    }
    const { turn } = result;
    const jobId = jobIdFor('x', turn.eventId);
    const tlog = traceLogger(log, turn.traceparent, { event_id: turn.eventId, conversation: turn.conversation.id, source });
    if (await this.#o.inbound.getJob(jobId)) {
      metrics.events.inc({ source, outcome: 'duplicate' });
      tlog.debug('event already queued');
      return 'duplicate';
    }
    await this.#o.inbound.add('turn', turn, inboundJobOptions(jobId, { dedupeWindowSec: this.#o.dedupeWindowSec }));
    metrics.events.inc({ source, outcome: 'queued' });
    tlog.info({ author: turn.author.accountId }, 'message accepted');
    return 'queued';
  }
}

function rawId(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as { id?: unknown; id_str?: unknown };
  const id = typeof r.id === 'string' ? r.id : typeof r.id_str === 'string' ? r.id_str : undefined;
  return id && id.length <= 64 ? id : undefined;
}
