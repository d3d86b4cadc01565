import { sql } from 'kysely';
import { vectorLiteral } from './memory-rows.ts';
import type { MemoryDeps } from './memory-types.ts';

/** What one batch did. */
export interface ReembedBatch {
  /** Memories given a vector of the current embedder. */
  readonly embedded: number;
  /** True when a full batch was found: there may be more. */
  readonly more: boolean;
}

/**
 * Gives up to `limit` current memories that lack a vector of the current embedder (written while the embedder
 * was down, or under another embedder before a switch) a vector of the current one, newest first. Throws when
 * the embedder fails (nothing is changed then). Superseded memories are never recalled, so they are left alone.
 */
export async function reembedBatch(deps: MemoryDeps, limit = 64, signal?: AbortSignal): Promise<ReembedBatch> {
  if (!deps.vectors) return { embedded: 0, more: false };
  const id = deps.embedder.id;
  const rows = await deps.db
    .selectFrom('memories')
    .select(['id', 'text'])
    .where('valid_to', 'is', null)
    .where((eb) => eb.or([eb('embedding_model', 'is', null), eb('embedding_model', '<>', id)]))
    .orderBy('valid_from', 'desc')
    .limit(limit)
    .execute();
  if (rows.length === 0) return { embedded: 0, more: false };
  const vectors = await deps.embedder.embed(rows.map((r) => r.text), signal);
  let embedded = 0;
  for (const [i, r] of rows.entries()) {
    const v = vectors[i];
    if (!v) continue;
    // Only if nobody (another brain) did it meanwhile.
    const res = await sql`update memories set embedding = ${vectorLiteral(v)}::vector, embedding_model = ${id}
      where id = ${r.id} and embedding_model is distinct from ${id}`.execute(deps.db);
    embedded += Number(res.numAffectedRows ?? 0);
  }
  return { embedded, more: rows.length === limit };
}

export interface ReembedderOptions {
  /** Pause between batches while there is work (keeps turns first on a shared store). @defaultValue `200` */
  batchPauseMs?: number;
  /** How often to look again once everything is embedded (memories written while the embedder was down). @defaultValue `600000` */
  idleCheckMs?: number;
  /** First wait after an embedder failure; doubles up to 5 minutes. @defaultValue `30000` */
  failureBackoffMs?: number;
  /** Counts each memory given a vector. */
  onEmbedded?: (n: number) => void;
}

/** A running background re-embedder; `close()` stops it after the batch in flight (safe to call twice). */
export interface Reembedder {
  /** Resolves when a pass found nothing left to embed (tests and diagnostics). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Keeps every current memory embedded by the current embedder, in the background: batches while there is work,
 * a look every `idleCheckMs` after that, and a growing pause while the embedder fails. Without vectors it does
 * nothing.
 */
export function startReembedder(deps: MemoryDeps, opts: ReembedderOptions = {}): Reembedder {
  const pause = opts.batchPauseMs ?? 200;
  const idleCheck = opts.idleCheckMs ?? 600_000;
  const firstBackoff = opts.failureBackoffMs ?? 30_000;
  const stop = new AbortController();
  let idleWaiters: Array<() => void> = [];
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let backoff = firstBackoff;
  let total = 0;

  const schedule = (ms: number) => {
    if (stop.signal.aborted || !deps.vectors) return;
    timer = setTimeout(() => void (running = pass()), ms);
    timer.unref();
  };
  const pass = async (): Promise<void> => {
    try {
      const { embedded, more } = await reembedBatch(deps, 64, stop.signal);
      backoff = firstBackoff;
      total += embedded;
      if (embedded > 0) opts.onEmbedded?.(embedded);
      if (more) return schedule(pause);
      if (total > 0) deps.log?.info({ embedder: deps.embedder.id, memories: total }, 'memories re-embedded with the current embedder');
      total = 0;
      for (const w of idleWaiters.splice(0)) w();
      schedule(idleCheck);
    } catch (err) {
      if (stop.signal.aborted) return;
      deps.log?.warn({ err: (err as Error).message, embedder: deps.embedder.id, retry_in_ms: backoff }, 'memories could not be re-embedded yet; will retry');
      schedule(backoff);
      backoff = Math.min(backoff * 2, 300_000);
    }
  };
  schedule(0);
  let closing: Promise<void> | undefined;
  return {
    idle: () => new Promise<void>((resolve) => idleWaiters.push(resolve)),
    close() {
      closing ??= (async () => {
        stop.abort(new Error('brain closing'));
        clearTimeout(timer);
        await running?.catch(() => undefined);
        idleWaiters = [];
      })();
      return closing;
    },
  };
}
