import type { PersonId } from '../../identity/index.ts';
import { recentContext, type ContextExchange } from './continuity.ts';
import type { AccountsOf, MemoryDeps } from './memory-types.ts';

/** Cross-surface context of one person, bound to their accounts look-up. */
export interface PersonContinuity {
  recentContext(opts?: { exceptConversation?: { platform: string; conversationId: string }; limit?: number }): Promise<ContextExchange[]>;
}

export function continuityFor(deps: MemoryDeps, personId: PersonId, accountsOf: AccountsOf): PersonContinuity {
  return {
    recentContext: (opts = {}) => recentContext(deps.db, personId, { accountsOf, exceptConversation: opts.exceptConversation, limit: opts.limit ?? deps.options.recentExchanges }),
  };
}
