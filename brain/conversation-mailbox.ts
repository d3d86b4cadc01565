import type { Redis } from 'ioredis';
import { INBOUND_QUEUE, TURNS_QUEUE, safePart, type InboundTurn } from '../mesh/index.ts';

/**
 * Per-conversation mailbox in Redis. Hand-written Lua because no library gives BullMQ (OSS) per-group
 * ordering plus debouncing: BullMQ's groups are a Pro feature, and its deduplication "debounce" mode drops
 * a new job while the previous one is active, which would lose a message. Each script is atomic, so
 * intake and the turn worker can race freely (across processes) without losing or reordering messages.
 *
 * Keys (all under the queue prefix's hash tag, so one Cluster slot):
 *   <p>:mb:<conv>:z     sorted set of event keys, scored by the platform's received-at (ms) x 1000 + arrival order
 *   <p>:mb:<conv>:h     hash event key -> InboundTurn JSON
 *   <p>:mb:<conv>:m     hash: seq (generation counter), gen (live turn job), firstAt/lastAt (intake clock, ms), batch (claimed keys),
 *                       arrivals, voice (1 when the newest pending message was spoken: its burst waits the voice quiet window),
 *                       here (id of the intake job answering the live generation itself, with no turn job), repliedAt (when
 *                       the last turn's reply went out, brain clock, ms; kept only when that turn answered one message). Expires once the
 *                       conversation has been idle for {@link MAILBOX_IDLE_TTL_SEC} (z and h are gone when empty), so Redis
 *                       does not keep a hash for every conversation ever seen; a message makes it persistent again.
 *   <p>:seen:<event>    set while the event counts as a duplicate (the dedupe window)
 */

// Lua shared by ACCEPT and CLAIM: a pinned batch's reply, each event key followed by its turn JSON (hash KEYS[2]).
const WITH_BATCH = `
local function withBatch(out, keys)
  local jsons = redis.call('HMGET', KEYS[2], unpack(keys))
  for i = 1, #keys do
    out[#out + 1] = keys[i]
    out[#out + 1] = jsons[i] or ''
  end
  return out
end
`;

// Lua shared by ACCEPT, COMPLETE and RECLAIM. nextGen: the next generation of mailbox hash m whose turn job does not
// exist (jobKeyPrefix: the turn job's key without its generation). An idle mailbox expires and its seq starts again at
// 1, while BullMQ may still keep a turn job of an earlier generation (failed ones for days, trimmed lazily): reusing
// its id would make the new turn look abandoned, or leave it unanswered (adding a job whose id exists does nothing).
// idle: the mailbox has nothing pending and no live generation; it expires unless a message comes within ttl.
const GENERATIONS = `
local function nextGen(m, jobKeyPrefix)
  local gen = redis.call('HINCRBY', m, 'seq', 1)
  while redis.call('EXISTS', jobKeyPrefix .. gen) == 1 do gen = redis.call('HINCRBY', m, 'seq', 1) end
  return gen
end
local function idle(m, ttl)
  redis.call('HDEL', m, 'firstAt', 'lastAt')
  redis.call('EXPIRE', m, ttl)
end
`;

// Lua shared by ACCEPT and RECLAIM: is anyone still answering live generation gen of mailbox hash m? Nobody is,
// and nobody ever will, when its turn job failed for good, or when the intake job answering it itself ('here') failed
// for good or is gone with no turn job taking over. callerJob (an intake job running again) is never counted as gone.
const NOBODY_ANSWERS = `
local function nobodyAnswers(m, turnsPrefix, inboundPrefix, turnJobPrefix, gen, callerJob)
  local turnJob = turnJobPrefix .. gen
  if redis.call('ZSCORE', turnsPrefix .. 'failed', turnJob) then return true end
  local here = redis.call('HGET', m, 'here')
  if not here or here == callerJob or redis.call('EXISTS', turnsPrefix .. turnJob) == 1 then return false end
  return redis.call('ZSCORE', inboundPrefix .. 'failed', here) ~= false or redis.call('EXISTS', inboundPrefix .. here) == 0
end
`;

// KEYS: z, h, m, seen, backlog (a list: the intake queue's waiting jobs), turns (the turn queue's key prefix, `<p>:turns:`),
// inbound (the intake queue's, `<p>:inbound:`). ARGV: eventKey, turnJson, receivedAtMs, nowMs, dedupeTtlSec, voice (1|0),
// answerHere (max batch; 0: no), rerun (1: the caller's job ran before and did not finish), jobId (the caller's job),
// turnJobPrefix (the conversation's turn job id without its generation), idleTtlSec, slotFree (1: the caller has a turn
// slot free now).
// Returns { accepted (1|0), gen } and the caller (idempotently) adds the turn job for `gen`; or, when the message
// opened an idle conversation and answerHere > 0, { 1, gen, 'here', keys..., jsons... }: the batch is pinned, as CLAIM
// pins it, and the caller answers it itself (waiting for a turn slot if none is free). That takes one of two things:
// the conversation is in step (the message came after the reply to its last turn, which answered one message: the
// person answers Helix, nothing of theirs is queued behind), or a slot is free and nothing waits in the backlog.
// Otherwise later messages of this conversation may be queued behind this one, and the turn worker, claiming once
// intake has taken them in, answers them together. Or { accepted, gen, 'elsewhere' }: an
// intake is answering the conversation's turn itself, and its completion schedules the turn after; or
// { accepted, gen, 'abandoned', keys..., jsons... }: the live generation's job failed for good without freeing the
// conversation (it stalled past its limit, or ran out of attempts on Redis errors), leaving this pinned batch: the
// caller dead-letters it and completes the generation, which schedules the messages that came after.
const ACCEPT = `${WITH_BATCH}${NOBODY_ANSWERS}${GENERATIONS}
local fresh = redis.call('SET', KEYS[4], '1', 'NX', 'EX', ARGV[5])
if fresh then
  redis.call('PERSIST', KEYS[3])
  -- Score: the platform's received-at (ms) with the arrival order as tie-breaker (same-millisecond messages).
  local arrival = redis.call('HINCRBY', KEYS[3], 'arrivals', 1) % 1000
  redis.call('ZADD', KEYS[1], tonumber(ARGV[3]) * 1000 + arrival, ARGV[1])
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
  -- The newest pending message decides which quiet window the burst waits (see CLAIM).
  if redis.call('ZREVRANGE', KEYS[1], 0, 0)[1] == ARGV[1] then redis.call('HSET', KEYS[3], 'voice', ARGV[6]) end
  redis.call('HSET', KEYS[3], 'lastAt', ARGV[4])
  redis.call('HSETNX', KEYS[3], 'firstAt', ARGV[4])
end
local gen = redis.call('HGET', KEYS[3], 'gen')
if gen then
  if nobodyAnswers(KEYS[3], KEYS[6], KEYS[7], ARGV[10], gen, ARGV[9]) then
    local batch = redis.call('HGET', KEYS[3], 'batch')
    if batch then return withBatch({fresh and 1 or 0, tonumber(gen), 'abandoned'}, cjson.decode(batch)) end
    -- Nothing was pinned, so nothing was half-answered: a new generation answers everything that waits.
    redis.call('HDEL', KEYS[3], 'gen', 'here')
    gen = nil
    if redis.call('ZCARD', KEYS[1]) == 0 then idle(KEYS[3], ARGV[11]) end
  end
end
if not gen then
  if redis.call('ZCARD', KEYS[1]) == 0 then return {fresh and 1 or 0, 0} end
  gen = nextGen(KEYS[3], KEYS[6] .. ARGV[10])
  redis.call('HSET', KEYS[3], 'gen', gen)
  local answerHere = tonumber(ARGV[7])
  -- Received before the last reply went out, or behind a backlog, later messages of this conversation may be
  -- waiting: the turn worker answers them together. (receivedAt is the bot's clock, repliedAt the brain's: a skew
  -- only moves a turn between the two paths.)
  local repliedAt = redis.call('HGET', KEYS[3], 'repliedAt')
  if fresh and answerHere > 0 and ((repliedAt and tonumber(ARGV[3]) >= tonumber(repliedAt)) or (ARGV[12] == '1' and redis.call('LLEN', KEYS[5]) == 0)) then
    local keys = redis.call('ZRANGE', KEYS[1], 0, answerHere - 1)
    redis.call('HSET', KEYS[3], 'batch', cjson.encode(keys), 'here', ARGV[9])
    return withBatch({1, tonumber(gen), 'here'}, keys)
  end
  return {fresh and 1 or 0, tonumber(gen)}
end
local here = redis.call('HGET', KEYS[3], 'here')
if here then
  -- The same job again while its intake answers it: that intake's process died and its job runs again.
  -- The turn worker takes the turn over (the caller adds the turn job; the pinned batch keeps its reply id).
  -- The same event in another job (a producer's redelivery) is a duplicate: the live turn answers it.
  if here == ARGV[9] and not fresh and ARGV[8] == '1' then
    redis.call('HDEL', KEYS[3], 'here')
    return {0, tonumber(gen)}
  end
  return {fresh and 1 or 0, tonumber(gen), 'elsewhere'}
end
return {fresh and 1 or 0, tonumber(gen)}
`;

// KEYS: z, h, m. ARGV: gen, maxBatch, nowMs, textQuietMs, voiceQuietMs, maxBurstMs
// Returns { status, keys... , jsons... }: status 'stale' (job is not the live one), 'empty',
// 'wait' (the burst is still growing; the second field is when to come back), or 'ok'. An 'ok' batch is pinned in the
// same step, before any side effect, so a retried turn answers the same messages (with the same reply id).
const CLAIM = `${WITH_BATCH}
local live = redis.call('HGET', KEYS[3], 'gen')
if live ~= ARGV[1] then return {'stale'} end
local batch = redis.call('HGET', KEYS[3], 'batch')
local keys
if batch then
  keys = cjson.decode(batch)
else
  keys = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1)
  if #keys > 0 then
    local firstAt = redis.call('HGET', KEYS[3], 'firstAt') or '0'
    local lastAt = redis.call('HGET', KEYS[3], 'lastAt') or '0'
    local quiet = tonumber(redis.call('HGET', KEYS[3], 'voice') == '1' and ARGV[5] or ARGV[4])
    local quietUntil = tonumber(lastAt) + quiet
    local maxUntil = tonumber(firstAt) + tonumber(ARGV[6])
    local now = tonumber(ARGV[3])
    if quiet > 0 and now < quietUntil and now < maxUntil then return {'wait', tostring(math.min(quietUntil, maxUntil))} end
    redis.call('HSET', KEYS[3], 'batch', cjson.encode(keys))
  end
end
if #keys == 0 then return {'empty'} end
return withBatch({'ok'}, keys)
`;

// KEYS: z, h, m, turns, inbound (the queues' key prefixes, as for ACCEPT). ARGV: turnJobPrefix, gen (the generation a
// job that failed for good was answering; '' for whichever is live), hereJob (an intake job that failed for good: only a
// generation it answered itself; '' for none), nowMs, idleTtlSec.
// Asks about a job that failed for good, with no new message needed. Returns {'idle'} (no live generation), {'stale'}
// (the live generation is not the one asked about), {'alive'} (someone still answers it); or, when nobody will:
// {'abandoned', gen, keys..., jsons...} (its batch is pinned: the caller dead-letters it and completes gen),
// {'reopened', gen} (nothing was pinned: new generation gen answers what waits, and the caller adds its turn job),
// or {'freed'} (nothing was pinned and nothing waits). Asked again about the same job after reopening, while the new
// generation's turn job does not exist (the caller's add failed: Redis went away in between), it answers
// {'reopened', gen} again, so a repeated sweep adds the job instead of leaving the conversation to the next message.
const RECLAIM = `${WITH_BATCH}${NOBODY_ANSWERS}${GENERATIONS}
local gen = redis.call('HGET', KEYS[3], 'gen')
if not gen then return {'idle'} end
if (ARGV[2] ~= '' and gen ~= ARGV[2]) or (ARGV[3] ~= '' and redis.call('HGET', KEYS[3], 'here') ~= ARGV[3]) then
  if redis.call('HGET', KEYS[3], 'reclaimed') == gen and redis.call('EXISTS', KEYS[4] .. ARGV[1] .. gen) == 0 then return {'reopened', gen} end
  return {'stale'}
end
if not nobodyAnswers(KEYS[3], KEYS[4], KEYS[5], ARGV[1], gen, '') then return {'alive'} end
local batch = redis.call('HGET', KEYS[3], 'batch')
if batch then return withBatch({'abandoned', gen}, cjson.decode(batch)) end
redis.call('HDEL', KEYS[3], 'gen', 'here')
if redis.call('ZCARD', KEYS[1]) == 0 then
  idle(KEYS[3], ARGV[5])
  return {'freed'}
end
redis.call('HSET', KEYS[3], 'firstAt', ARGV[4])
gen = nextGen(KEYS[3], KEYS[4] .. ARGV[1])
redis.call('HSET', KEYS[3], 'gen', gen, 'reclaimed', gen)
return {'reopened', tostring(gen)}
`;

// KEYS: z, h, m, turns (the turn queue's key prefix). ARGV: gen, nowMs, turnJobPrefix, idleTtlSec, repliedAtMs (0: no
// reply went out), eventKeys...
// Removes the answered messages and notes when a one-message turn's reply went out (see ACCEPT: in step). Returns the
// next generation (0 when the mailbox is empty).
const COMPLETE = `${GENERATIONS}
if redis.call('HGET', KEYS[3], 'gen') ~= ARGV[1] then return -1 end
for i = 6, #ARGV do
  redis.call('ZREM', KEYS[1], ARGV[i])
  redis.call('HDEL', KEYS[2], ARGV[i])
end
redis.call('HDEL', KEYS[3], 'batch', 'gen', 'here', 'reclaimed')
local answered = #ARGV - 5
if ARGV[5] ~= '0' and answered == 1 then redis.call('HSET', KEYS[3], 'repliedAt', ARGV[5]) else redis.call('HDEL', KEYS[3], 'repliedAt') end
if redis.call('ZCARD', KEYS[1]) == 0 then
  idle(KEYS[3], ARGV[4])
  return 0
end
redis.call('HSET', KEYS[3], 'firstAt', ARGV[2])
local gen = nextGen(KEYS[3], KEYS[4] .. ARGV[3])
redis.call('HSET', KEYS[3], 'gen', gen)
return gen
`;

/** How long a failed turn job is kept (for its dead letter's story and the abandoned-turn sweep). */
export const FAILED_TURN_JOBS_KEPT_SEC = 7 * 86_400;
/**
 * How long a mailbox hash outlives its conversation's last turn. Longer than failed turn jobs are kept, so a
 * conversation that comes back usually continues its generations; when it does not, nextGen skips any id still taken.
 */
export const MAILBOX_IDLE_TTL_SEC = FAILED_TURN_JOBS_KEPT_SEC + 86_400;

/** What intake learned: whether the event was new, and which turn job generation must exist. */
export interface AcceptResult {
  accepted: boolean;
  /** 0 when nothing is pending (a duplicate of an already answered event). */
  gen: number;
  /** The batch intake answers itself (the message opened an idle conversation and intake offered to); no turn job is added. */
  answerHere?: ClaimedBatch;
  /** An intake is answering the live generation itself: no turn job may be added for it (its completion schedules the next). */
  answeredElsewhere?: boolean;
  /**
   * The live generation's job failed for good without freeing the conversation: nobody will answer this pinned
   * batch. The caller dead-letters it and completes generation `gen`, which schedules what came after.
   */
  abandoned?: ClaimedBatch;
}

/** The messages a turn answers, oldest first. */
export interface ClaimedBatch {
  status: 'ok';
  keys: string[];
  /** Raw JSON per key; parsed (and validated) by the caller. Empty string if the entry vanished. */
  payloads: string[];
}
export type ClaimResult = ClaimedBatch | { status: 'stale' } | { status: 'empty' } | { status: 'wait'; untilMs: number };

/** What became of a conversation whose job failed for good (see {@link ConversationMailbox.reclaim}). */
export type ReclaimResult =
  | { status: 'idle' | 'stale' | 'alive' | 'freed' }
  | { status: 'reopened'; gen: number }
  | { status: 'abandoned'; gen: number; batch: ClaimedBatch };

/** When a burst is answered: after `quietMs` (by the newest message's modality) without a new message, or `maxMs` after it began. */
export interface BurstWindow {
  quietMs: number;
  voiceQuietMs: number;
  maxMs: number;
}

interface MailboxCommands {
  helixMailboxAccept(z: string, h: string, m: string, seen: string, backlog: string, turns: string, inbound: string, eventKey: string, json: string, receivedAt: number, now: number, ttl: number, voice: number, answerHere: number, rerun: number, jobId: string, turnJobPrefix: string, idleTtlSec: number, slotFree: number): Promise<[number, number, ...string[]]>;
  helixMailboxClaim(z: string, h: string, m: string, gen: number, maxBatch: number, now: number, textQuietMs: number, voiceQuietMs: number, maxBurstMs: number): Promise<string[]>;
  helixMailboxComplete(z: string, h: string, m: string, turns: string, gen: number, now: number, turnJobPrefix: string, idleTtlSec: number, repliedAt: number, ...keys: string[]): Promise<number>;
  helixMailboxReclaim(z: string, h: string, m: string, turns: string, inbound: string, turnJobPrefix: string, gen: string, hereJob: string, now: number, idleTtlSec: number): Promise<string[]>;
}

/** The conversation key used in mailbox keys and turn job ids. */
export function conversationKey(platform: string, conversationId: string): string {
  return safePart(`${platform}/${conversationId}`);
}

/** The id of a conversation's turn job for generation `gen` (one job per generation). */
export function turnJobId(convKey: string, gen: number | string): string {
  return `turn-${convKey}-${gen}`;
}

/** Atomic per-conversation mailbox operations (see the file comment for the design). */
export class ConversationMailbox {
  readonly #redis: Redis & MailboxCommands;
  readonly #prefix: string;
  readonly #dedupeTtlSec: number;
  /** BullMQ's key prefixes of the turn and intake queues: ACCEPT reads their jobs' state. */
  readonly #turnsKey: string;
  readonly #inboundKey: string;

  constructor(redis: Redis, prefix: string, dedupeTtlSec: number) {
    if (!(redis as Partial<MailboxCommands>).helixMailboxAccept) {
      redis.defineCommand('helixMailboxAccept', { numberOfKeys: 7, lua: ACCEPT });
      redis.defineCommand('helixMailboxClaim', { numberOfKeys: 3, lua: CLAIM });
      redis.defineCommand('helixMailboxComplete', { numberOfKeys: 4, lua: COMPLETE });
      redis.defineCommand('helixMailboxReclaim', { numberOfKeys: 5, lua: RECLAIM });
    }
    this.#redis = redis as Redis & MailboxCommands;
    this.#prefix = prefix;
    this.#dedupeTtlSec = dedupeTtlSec;
    this.#turnsKey = `${prefix}:${TURNS_QUEUE}:`;
    this.#inboundKey = `${prefix}:${INBOUND_QUEUE}:`;
  }

  /**
   * Adds a turn (once per event within the dedupe window). With `answerHere` given and the conversation idle,
   * the new generation's batch (up to `maxBatch` messages) is pinned at once for the caller to answer itself
   * (waiting for a turn slot if it has none) when the conversation is in step (the message came after the reply
   * to its last, one-message turn), or when `slotFree` and the `backlog` list (the waiting jobs of the caller's
   * queue) is empty. `jobId` is the caller's job
   * (default: the event key); `rerun` says it ran before without finishing: if that run was answering the turn
   * itself, the turn worker takes it over.
   */
  async accept(turn: InboundTurn, eventKey: string, nowMs: number, opts: { answerHere?: { maxBatch: number; backlog: string; slotFree: boolean }; jobId?: string; rerun?: boolean } = {}): Promise<AcceptResult> {
    const { answerHere } = opts;
    const convKey = conversationKey(turn.platform, turn.conversation.id);
    const k = this.#keys(convKey);
    // Without an offer the backlog key is never read; the conversation's own key keeps the call in its Cluster slot.
    const [accepted, gen, how, ...rest] = await this.#redis.helixMailboxAccept(
      k.z, k.h, k.m, `${this.#prefix}:seen:${eventKey}`, answerHere?.backlog ?? k.z, this.#turnsKey, this.#inboundKey,
      eventKey, JSON.stringify(turn), Date.parse(turn.receivedAt), nowMs, this.#dedupeTtlSec, turn.modality === 'voice' ? 1 : 0,
      answerHere?.maxBatch ?? 0, opts.rerun ? 1 : 0, opts.jobId ?? eventKey, turnJobId(convKey, ''), MAILBOX_IDLE_TTL_SEC, answerHere?.slotFree ? 1 : 0,
    );
    const result: AcceptResult = { accepted: accepted === 1, gen };
    if (how === 'here') result.answerHere = batchOf(rest);
    else if (how === 'elsewhere') result.answeredElsewhere = true;
    else if (how === 'abandoned') result.abandoned = batchOf(rest);
    return result;
  }

  /**
   * The batch the live job `gen` answers: the one pinned earlier, or, once the burst has been quiet for its
   * window (or has grown for `burst.maxMs`), up to `maxBatch` oldest messages, pinned in the same atomic step.
   */
  async claim(convKey: string, gen: number, maxBatch: number, burst: BurstWindow, nowMs: number): Promise<ClaimResult> {
    const k = this.#keys(convKey);
    const raw = await this.#redis.helixMailboxClaim(k.z, k.h, k.m, gen, maxBatch, nowMs, burst.quietMs, burst.voiceQuietMs, burst.maxMs);
    const [status, ...rest] = raw;
    if (status === 'stale' || status === 'empty') return { status };
    if (status === 'wait') return { status: 'wait', untilMs: Number(rest[0]) };
    return batchOf(rest);
  }

  /**
   * Removes answered messages; returns the next generation to schedule (0: none, -1: this job was stale).
   * `repliedAtMs`: when the turn's reply went out (0: none did), for {@link accept}'s in-step rule.
   */
  async complete(convKey: string, gen: number, keys: readonly string[], nowMs: number, repliedAtMs = 0): Promise<number> {
    const k = this.#keys(convKey);
    return this.#redis.helixMailboxComplete(k.z, k.h, k.m, this.#turnsKey, gen, nowMs, turnJobId(convKey, ''), MAILBOX_IDLE_TTL_SEC, repliedAtMs, ...keys);
  }

  /**
   * Frees a conversation from a job that failed for good without freeing it (it stalled past its limit, or ran
   * out of attempts on Redis errors), without waiting for the person's next message: `failed` names the turn
   * job's generation, or the intake job that was answering the turn itself. Only acts when nobody will answer
   * the live generation (the same rule as {@link accept}); safe to call again and from several brains at once.
   */
  async reclaim(convKey: string, failed: { gen: number } | { hereJob: string }, nowMs: number): Promise<ReclaimResult> {
    const k = this.#keys(convKey);
    const [status, gen, ...rest] = await this.#redis.helixMailboxReclaim(
      k.z, k.h, k.m, this.#turnsKey, this.#inboundKey, turnJobId(convKey, ''),
      'gen' in failed ? String(failed.gen) : '', 'hereJob' in failed ? failed.hereJob : '', nowMs, MAILBOX_IDLE_TTL_SEC,
    );
    if (status === 'abandoned') return { status, gen: Number(gen), batch: batchOf(rest) };
    if (status === 'reopened') return { status, gen: Number(gen) };
    if (status === 'idle' || status === 'stale' || status === 'alive' || status === 'freed') return { status };
    throw new Error(`mailbox reclaim: unexpected reply ${String(status)}`);
  }

  #keys(convKey: string) {
    const base = `${this.#prefix}:mb:${convKey}`;
    return { z: `${base}:z`, h: `${base}:h`, m: `${base}:m` };
  }
}

/** A pinned batch from a script's reply: key, JSON, key, JSON... */
function batchOf(flat: readonly string[]): ClaimedBatch {
  const keys: string[] = [];
  const payloads: string[] = [];
  for (let i = 0; i < flat.length; i += 2) {
    keys.push(flat[i]!);
    payloads.push(flat[i + 1] ?? '');
  }
  return { status: 'ok', keys, payloads };
}
