import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;

/** One person: the owner of one or more platform accounts (and, later, of memories). */
export interface PeopleTable {
  id: string;
  created_at: ColumnType<Date, Date | string | undefined, never>;
}

/** A platform account (a Discord user, a web session...) and the person it belongs to; unique per platform. */
export interface PlatformAccountsTable {
  platform: string;
  account_id: string;
  person_id: string;
  display_name: string | null;
  created_at: ColumnType<Date, Date | string | undefined, never>;
}

/** A one-time link code, stored as its SHA-256 only; single use, expires. */
export interface LinkCodesTable {
  code_hash: string;
  person_id: string;
  /** The account that asked for the code. */
  platform: string;
  account_id: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}

/** Audit of every link (two people merged) and unlink (an account split off into a new person). */
export interface PersonMergesTable {
  id: Generated<string>;
  kind: 'link' | 'unlink';
  into_person: string;
  from_person: string;
  /** Who did it: the account that said the code, or asked to unlink. */
  actor_platform: string;
  actor_account_id: string;
  /** The accounts that moved, as `[{ platform, accountId }]`. */
  accounts: ColumnType<unknown, string, string>;
  at: Timestamp;
}

/** How Helix stands with one person; decays over weeks. */
export interface RelationshipStateTable {
  person_id: string;
  warmth: number;
  trust: number;
  familiarity: number;
  turns: number;
  updated_at: Timestamp;
}

/** Helix's global mood (one row, id 1): pleasure, arousal, dominance. */
export interface MoodStateTable {
  id: number;
  pleasure: number;
  arousal: number;
  dominance: number;
  updated_at: Timestamp;
}
