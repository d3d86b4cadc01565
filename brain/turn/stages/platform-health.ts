import { describeHealth, healthReply } from '../../health/describe-health.ts';
import { isHealthQuestion } from '../../health/health-question.ts';
import type { HealthAnswer } from '../../health/ops-health-client.ts';
import type { TurnStage } from '../turn-context.ts';

export interface PlatformHealthOptions {
  /** Asks ops (through the `ops-health` queue). */
  ask(traceparent?: string): Promise<HealthAnswer>;
  /** No model configured: answer the question itself, deterministically. */
  modelless: boolean;
}

/**
 * "Helix, how are you doing?": asks ops for live health (incidents, SLO budgets, queue depths) and gives it to the
 * model as a data block — or, without a model, answers from it directly. Other messages pass untouched.
 */
export function platformHealth(opts: PlatformHealthOptions): TurnStage {
  return {
    name: 'platform-health',
    async run(ctx) {
      if (ctx.directReply !== undefined || ctx.recordedReply !== undefined) return;
      const last = ctx.turns.at(-1);
      if (!last || !isHealthQuestion(last.text)) return;
      const answer = await opts.ask(last.traceparent);
      ctx.log.info({ ok: answer.ok, ...(answer.ok ? { open_incidents: answer.snapshot.incidents.open } : { reason: answer.reason }) }, 'platform health asked');
      if (opts.modelless) {
        ctx.directReply = healthReply(answer, ctx.now);
        return;
      }
      ctx.blocks.push({ title: 'How you are doing', kind: 'instructions', content: 'You were asked how you are doing. Answer from your live platform health below, briefly and in your own voice; mention problems plainly.' });
      ctx.blocks.push({
        title: 'Your platform health (live, from ops)',
        kind: 'data',
        content: answer.ok ? describeHealth(answer.snapshot, ctx.now).join('\n') : `Unavailable (${answer.reason}): the ops service did not answer, so you cannot see your telemetry right now.`,
      });
    },
  };
}
