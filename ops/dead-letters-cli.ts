/**
 * `npm run dead-letters -- <command>`: what Helix could not take, and why. Every consumer keeps what it could
 * not handle (an invalid payload, a platform's refusal, a turn that failed for good) in the dead-letter queue
 * with its reason; this lists, shows and drops those entries. Redis and the key prefix come from the Helix
 * config, as for any role; with `redis.url` unset it uses `npm start`'s private Redis when that one answers.
 */
import { Redis } from 'ioredis';
import { ConfigError, DEFAULT_REDIS_URL, loadConfig, type HelixConfig } from '../config/index.ts';
import { DeadLetters, type StoredDeadLetter } from '../mesh/index.ts';

const USAGE = `usage: npm run dead-letters -- list [--queue <name>] [--code <code>] [--limit <n>]
       npm run dead-letters -- show <id>
       npm run dead-letters -- drop <id>...
       npm run dead-letters -- trim [--older-than-days <n>]   (default: redis.deadLetterKeepDays)`;

/** Longest reason shown on a list line (show prints it whole). */
const REASON_CHARS = 120;

type Command =
  | { name: 'list'; queue?: string; code?: string; limit: number }
  | { name: 'show'; id: string }
  | { name: 'drop'; ids: string[] }
  | { name: 'trim'; olderThanDays?: number };

/** The command line as a command, or the reason it is not one. */
export function parseCommand(argv: readonly string[]): Command | string {
  const [name, ...rest] = argv;
  if (name === 'list') {
    const cmd: Command = { name, limit: 100 };
    for (let i = 0; i < rest.length; i++) {
      const flag = rest[i];
      const value = rest[i + 1];
      if (value === undefined || !['--queue', '--code', '--limit'].includes(flag!)) return `unknown or incomplete option ${flag}`;
      i++;
      if (flag === '--queue') cmd.queue = value;
      else if (flag === '--code') cmd.code = value;
      else if (/^[1-9]\d*$/.test(value)) cmd.limit = Number(value);
      else return `--limit must be a positive whole number, not ${value}`;
    }
    return cmd;
  }
  if (name === 'show') return rest.length === 1 ? { name, id: rest[0]! } : 'show takes exactly one id';
  if (name === 'drop') return rest.length > 0 ? { name, ids: rest } : 'drop takes one or more ids';
  if (name === 'trim') {
    if (rest.length === 0) return { name };
    if (rest.length !== 2 || rest[0] !== '--older-than-days') return `trim takes only --older-than-days <n>, not ${rest.join(' ')}`;
    return /^[1-9]\d*$/.test(rest[1]!) ? { name, olderThanDays: Number(rest[1]) } : `--older-than-days must be a positive whole number, not ${rest[1]}`;
  }
  return name === undefined ? 'no command given' : `unknown command ${name}`;
}

/** One list line: id, queue, code, first seen, attempts, and the reason's first line. */
export function listLine({ id, entry }: StoredDeadLetter): string {
  const reason = entry.reason.split('\n')[0]!;
  const short = reason.length > REASON_CHARS ? `${reason.slice(0, REASON_CHARS - 1)}…` : reason;
  return [id, entry.queue, entry.code, entry.firstSeen, `attempts ${entry.attempts}`, short].join('  ');
}

async function run(cmd: Command, dl: DeadLetters, keepDays: number): Promise<number> {
  switch (cmd.name) {
    case 'trim': {
      const days = cmd.olderThanDays ?? keepDays;
      if (days === 0) {
        console.error('redis.deadLetterKeepDays is 0 (entries are kept until dropped): say how old an entry must be, e.g. trim --older-than-days 30');
        return 2;
      }
      const removed = await dl.trim(days * 86_400_000);
      console.log(`trimmed ${removed} dead letter${removed === 1 ? '' : 's'} older than ${days} day${days === 1 ? '' : 's'}`);
      return 0;
    }
    case 'list': {
      // Filters apply to the oldest `limit` entries read; a larger limit reaches further.
      const entries = (await dl.stored(cmd.limit)).filter((s) => (!cmd.queue || s.entry.queue === cmd.queue) && (!cmd.code || s.entry.code === cmd.code));
      for (const s of entries) console.log(listLine(s));
      console.error(`${entries.length} dead letter${entries.length === 1 ? '' : 's'}`);
      return 0;
    }
    case 'show': {
      const found = await dl.get(cmd.id);
      if (!found) {
        console.error(`no dead letter ${cmd.id} (list shows the ids)`);
        return 1;
      }
      console.log(JSON.stringify({ id: found.id, ...found.entry }, null, 2));
      return 0;
    }
    case 'drop': {
      let missing = 0;
      for (const id of cmd.ids) {
        if (await dl.drop(id)) console.log(`dropped ${id}`);
        else {
          console.error(`no dead letter ${id}`);
          missing++;
        }
      }
      return missing ? 1 : 0;
    }
  }
}

/** The configured Redis, else the private one `npm start` runs (when it answers), else the default. */
async function redisUrlFor(config: HelixConfig): Promise<string> {
  if (config.redis.url) return config.redis.url;
  if (config.redis.embedded.enabled) {
    const url = `redis://127.0.0.1:${config.redis.embedded.port}`;
    const probe = new Redis(url, { lazyConnect: true, connectTimeout: 500, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {});
    try {
      await probe.connect();
      await probe.ping();
      return url;
    } catch {
      // Not running: fall through to the default.
    } finally {
      probe.disconnect();
    }
  }
  return DEFAULT_REDIS_URL;
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === '-h' || argv[0] === '--help') {
    console.log(USAGE);
    return 0;
  }
  const cmd = parseCommand(argv);
  if (typeof cmd === 'string') {
    console.error(`${cmd}\n${USAGE}`);
    return 2;
  }
  let config: HelixConfig;
  try {
    config = loadConfig({ env: process.env, cwd: process.cwd() }).config;
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : String(err));
    return 1;
  }
  const url = await redisUrlFor(config);
  const redis = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 2_000, retryStrategy: (n) => (n > 2 ? null : 200) });
  redis.on('error', () => {});
  const dl = new DeadLetters(redis, config.redis.prefix);
  try {
    return await run(cmd, dl, config.redis.deadLetterKeepDays);
  } catch (err) {
    console.error(`cannot read the dead-letter queue at ${new URL(url).host}: ${(err as Error).message}. Is Redis running there? Set redis.url (or REDIS_URL) to the Redis Helix uses.`);
    return 1;
  } finally {
    await dl.close().catch(() => undefined);
    redis.disconnect();
  }
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
