import { accountKey, describeMood, describeRelationship, moveMood, type Appraisal, type Identity, type PersonId } from '../../../identity/index.ts';
import { offlineAppraiser, type Appraiser } from '../../appraise/appraiser.ts';
import type { TurnStage } from '../turn-context.ts';

/** At most this many speakers of a group burst get a relationship line in the prompt. */
const MAX_SPEAKER_LINES = 4;

/**
 * Appraises each message of the burst (valence, arousal; VADER offline by default, or the model) and adds a short "how you feel"
 * block to the prompt: Helix's mood and its relationship with each speaker, as they will be once this burst
 * is taken in. Nothing is written here (see record-emotion), so a retried turn counts each message once.
 */
export function appraise(identity: Identity, appraiser: Appraiser = offlineAppraiser()): TurnStage {
  return {
    name: 'appraise',
    async run(ctx) {
      // A command's answer is fixed and a retried turn was already taken in: nothing to feel.
      if (ctx.directReply !== undefined || ctx.recordedReply !== undefined) return;
      ctx.appraisals = await appraiser.appraise(ctx.turns.map((t) => t.text), ctx.signal);
      let mood = identity.mood.current(ctx.now);
      for (const a of ctx.appraisals) mood = moveMood(mood, a);
      const lines = [`Your mood: ${describeMood(mood)}.`];
      const group = ctx.conversation.kind !== 'dm';
      for (const [person, { name, appraisals }] of [...bySpeaker(ctx.turns, ctx.people, ctx.appraisals)].slice(0, MAX_SPEAKER_LINES)) {
        const s = await identity.relationships.preview(person, appraisals, ctx.now);
        lines.push(`${group ? `With ${name}` : 'With this person'}: ${describeRelationship(s)}.`);
      }
      lines.push('Let this colour your tone a little; never mention these numbers.');
      ctx.blocks.push({ title: 'How you feel', kind: 'instructions', content: lines.join('\n') });
    },
  };
}

/** The burst's appraisals grouped by speaking person, in order of first message. */
export function bySpeaker(
  turns: ReadonlyArray<{ platform: string; author: { accountId: string; displayName: string } }>,
  people: ReadonlyMap<string, PersonId>,
  appraisals: readonly Appraisal[],
): Map<PersonId, { name: string; appraisals: Appraisal[] }> {
  const out = new Map<PersonId, { name: string; appraisals: Appraisal[] }>();
  for (const [i, t] of turns.entries()) {
    const person = people.get(accountKey({ platform: t.platform, accountId: t.author.accountId }));
    const a = appraisals[i];
    if (!person || !a) continue;
    const entry = out.get(person) ?? { name: t.author.displayName, appraisals: [] };
    entry.appraisals.push(a);
    out.set(person, entry);
  }
  return out;
}
