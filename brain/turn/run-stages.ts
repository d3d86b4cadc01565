import type { Histogram } from '../../mesh/index.ts';
import type { TurnContext, TurnStage } from './turn-context.ts';

/**
 * One step of a turn: a stage, or stages that need nothing from one another and run at once. Stages that
 * run at once issue their statements together, so the store answers them in one group commit and the turn
 * waits for the slowest of them instead of their sum.
 */
export type TurnStep = TurnStage | readonly TurnStage[];

/**
 * Runs the steps in order, timing each stage into `stageSeconds{stage}`; stops at the first error or abort.
 * In a step of several stages every stage settles before the step's first error is thrown, so no stage is
 * still writing when the turn is retried.
 */
export async function runStages(ctx: TurnContext, steps: readonly TurnStep[], stageSeconds?: Histogram<'stage'>): Promise<void> {
  for (const step of steps) {
    ctx.signal.throwIfAborted();
    if (!isGroup(step)) {
      await timed(ctx, step, stageSeconds);
      continue;
    }
    const failed = (await Promise.allSettled(step.map((stage) => timed(ctx, stage, stageSeconds)))).find((o) => o.status === 'rejected');
    if (failed) throw failed.reason;
  }
}

function isGroup(step: TurnStep): step is readonly TurnStage[] {
  return Array.isArray(step);
}

async function timed(ctx: TurnContext, stage: TurnStage, stageSeconds: Histogram<'stage'> | undefined): Promise<void> {
  const end = stageSeconds?.startTimer({ stage: stage.name });
  try {
    await stage.run(ctx);
  } finally {
    end?.();
  }
}
