import { sql, type Kysely } from 'kysely';
import type { Logger } from '../mesh/index.ts';

/** How often tables are checked for growth. */
export const ANALYZE_CHECK_MS = 60_000;

/** Tables grown by this factor (in pages) since their last analyze are analyzed again, as autovacuum's scale factor does. */
const GROWTH = 1.1;
/** ...plus this many pages, so small tables are not analyzed on every few rows (autovacuum's threshold). */
const SLACK_PAGES = 8;

export interface AutoAnalyze {
  /** Analyzes every table that needs it now; returns their names. */
  runOnce(): Promise<string[]>;
  /** Stops the timer and waits for a run in progress; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Keeps the planner's statistics current on PGlite. PGlite runs PostgreSQL without its background workers, so
 * autovacuum never analyzes a table and the planner chooses among indexes with no statistics. Measured: the
 * consolidation count that runs after every turn picked the index of all a person's messages (5 ms at 20,000
 * of them, growing with every message) over the one that reads the few since the last consolidation. This
 * does autovacuum's analyze part: at start and then every `checkMs`, each table of the schema grown by 10%
 * plus 8 pages since its last analyze is analyzed (ANALYZE samples a bounded number of rows, tens of
 * milliseconds here). Tables still near empty are left alone, as autovacuum's threshold leaves them: statistics
 * of an empty table are worse than none (measured: every turn's statements 2-3x slower while the tables
 * grew past what they said). Hand-written because PGlite has no autovacuum and no library supplies one.
 */
export function startAutoAnalyze<DB>(db: Kysely<DB>, opts: { checkMs?: number; log?: Logger | undefined } = {}): AutoAnalyze {
  let running: Promise<string[]> | undefined;
  let stopped = false;
  const runOnce = () => {
    running ??= analyzeGrown(db).finally(() => (running = undefined));
    return running;
  };
  const tick = () => {
    if (stopped) return;
    runOnce().then(
      (tables) => tables.length > 0 && opts.log?.debug({ tables }, 'embedded database statistics refreshed'),
      (err: unknown) => !stopped && opts.log?.warn({ err: (err as Error).message }, 'embedded database statistics not refreshed'),
    );
  };
  const timer = setInterval(tick, opts.checkMs ?? ANALYZE_CHECK_MS);
  timer.unref();
  setImmediate(tick);
  let stopping: Promise<void> | undefined;
  return {
    runOnce,
    stop() {
      stopping ??= (async () => {
        stopped = true;
        clearInterval(timer);
        await running?.catch(() => undefined);
      })();
      return stopping;
    },
  };
}

async function analyzeGrown<DB>(db: Kysely<DB>): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = current_schema() and c.relkind = 'r'
      and pg_relation_size(c.oid) / current_setting('block_size')::int > greatest(c.relpages, 0) * ${sql.lit(GROWTH)} + ${sql.lit(SLACK_PAGES)}
    order by c.relname`.execute(db);
  for (const { name } of rows) await sql`analyze ${sql.id(name)}`.execute(db);
  return rows.map((r) => r.name);
}
