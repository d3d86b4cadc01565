import type { Histogram } from '../../mesh/index.ts';
import type { TurnContext, TurnStage } from './turn-context.ts';

/** Runs the stages in order, timing each into `stageSeconds{stage}`; stops at the first error or abort. */
export async function runStages(ctx: TurnContext, stages: readonly TurnStage[], stageSeconds?: Histogram<'stage'>): Promise<void> {
  for (const stage of stages) {
    ctx.signal.throwIfAborted();
    const end = stageSeconds?.startTimer({ stage: stage.name });
    try {
      await stage.run(ctx);
    } finally {
      end?.();
    }
  }
}
