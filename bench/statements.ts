// Which SQL statements a turn runs on PGlite, how often and how long each takes (diagnostic, not part of
// `npm run bench`):   node bench/statements.ts [turns] [returning]
// Sequential round trips after a warmup: each a new conversation, as the round-trip bench sends them, or with
// `returning` (a number) that many conversations answered in turn, each one person's writing again, their
// history full before measuring. Every PGlite query is timed from call to answer and grouped by its SQL text.
import { PgliteStatements } from '../store/pglite-prepared.ts';
import { startHelixPipe } from './helix-pipe.ts';
import { returningTurns, sequentialTurns } from './pipe.ts';

const turns = Number(process.argv[2] ?? 500);
const returning = process.argv[3] ? Number(process.argv[3]) : undefined;
const stats = new Map<string, { n: number; ms: number }>();
let recording = false;
// Every Kysely query on PGlite goes through PgliteStatements (prepared or not); time it there.
const original = PgliteStatements.prototype.query;
PgliteStatements.prototype.query = async function timedQuery(this: PgliteStatements, ...args: Parameters<PgliteStatements['query']>) {
  const t0 = performance.now();
  try {
    return await original.apply(this, args);
  } finally {
    if (recording) {
      const key = String(args[0]).replaceAll(/\s+/g, ' ').slice(0, 160);
      const s = stats.get(key) ?? { n: 0, ms: 0 };
      s.n++;
      s.ms += performance.now() - t0;
      stats.set(key, s);
    }
  }
};

const pipe = await startHelixPipe({ logLevel: 'silent' });
const run = returning ? returningTurns(pipe, returning) : sequentialTurns(pipe);
await run(returning ? returning * 8 : 200, 'warm');
recording = true;
const t0 = performance.now();
await run(turns, 'stmt');
const msPerTurn = (performance.now() - t0) / turns;
recording = false;
const rows = [...stats].sort((a, b) => b[1].ms - a[1].ms);
const total = rows.reduce((s, [, v]) => s + v.ms, 0);
const count = rows.reduce((s, [, v]) => s + v.n, 0);
console.log(`${msPerTurn.toFixed(2)} ms per round trip; ${(count / turns).toFixed(1)} statements and ${(total / turns).toFixed(2)} ms of PGlite per turn`);
for (const [sql, v] of rows) console.log(`${(v.ms / turns).toFixed(3).padStart(7)} ms/turn ${(v.n / turns).toFixed(2).padStart(5)}×  ${(v.ms / v.n).toFixed(3)} ms each  ${sql}`);
const stages = await pipe.stageMeansMs();
console.log(`stage means (ms, warmup included): ${Object.entries(stages).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}`);
await pipe.close();
process.exit(0);
