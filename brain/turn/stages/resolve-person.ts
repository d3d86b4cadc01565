import { accountKey, type People } from '../../../identity/index.ts';
import type { TurnStage } from '../turn-context.ts';

/**
 * Finds the person behind every author of the burst (a group burst may hold several speakers), creating a
 * person for an account never seen (noted in `newPeople`). Cached in memory: most turns cost no query here.
 */
export function resolvePerson(people: People): TurnStage {
  return {
    name: 'resolve-person',
    async run(ctx) {
      for (const t of ctx.turns) {
        const account = { platform: t.platform, accountId: t.author.accountId };
        const key = accountKey(account);
        if (ctx.people.has(key)) continue;
        const { person, created } = await people.resolveOrCreate({ ...account, displayName: t.author.displayName });
        ctx.people.set(key, person);
        if (created) (ctx.newPeople ??= new Set()).add(person);
      }
    },
  };
}
