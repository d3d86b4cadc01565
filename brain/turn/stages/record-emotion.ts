import type { Identity } from '../../../identity/index.ts';
import type { TurnStage } from '../turn-context.ts';
import { bySpeaker } from './appraise.ts';

/**
 * Takes the burst in, after its reply is recorded: each speaker's relationship moves with their own
 * messages (one upsert per speaker), and the global mood with all of them (written at most every few
 * seconds). Skipped on a retry whose reply was already recorded, so no message is counted twice.
 */
export function recordEmotion(identity: Identity): TurnStage {
  return {
    name: 'record-emotion',
    async run(ctx) {
      if (ctx.appraisals.length === 0 || ctx.recordedReply !== undefined) return;
      for (const [person, { appraisals }] of bySpeaker(ctx.turns, ctx.people, ctx.appraisals)) {
        try {
          await identity.relationships.save(person, await identity.relationships.preview(person, appraisals, ctx.now));
        } catch (err) {
          // 23503 (foreign key): another brain merged this person away after we cached them. Forget the stale
          // entry; the next turn resolves the account afresh. Losing one message's feeling beats failing the turn.
          if ((err as { code?: unknown }).code !== '23503') throw err;
          identity.people.invalidate(person);
          identity.relationships.invalidate(person);
          ctx.log.warn({ err: (err as Error).message }, 'relationship not written: person merged elsewhere meanwhile');
        }
      }
      await identity.mood.feel(ctx.appraisals, ctx.now);
    },
  };
}
