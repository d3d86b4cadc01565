// Command-line flags of `npm run bench`: which measurements, and how big. Pure: argv in, options out.

/** Every measurement, in the order a full run takes them. */
export const BENCHES = ['roundtrip', 'throughput', 'burst', 'prompt', 'memory', 'startup', 'discord', 'slack', 'github', 'voice', 'voice-e2e', 'recall', 'ops'] as const;
export type BenchName = (typeof BENCHES)[number];

/** Names accepted by --only besides the canonical ones. */
const ALIASES: Record<string, BenchName> = { 'prompt-size': 'prompt', latency: 'roundtrip', rss: 'memory', start: 'startup' };

export interface BenchOptions {
  only: readonly BenchName[];
  /** Round trip: measured turns (and baseline round trips). @defaultValue `2000` */
  turns: number;
  /** Round trip: warmup turns, not measured. @defaultValue `200` */
  warmup: number;
  /** Throughput: concurrent conversations. @defaultValue `1000` */
  conversations: number;
  /** Throughput: messages per conversation. @defaultValue `10` */
  perConversation: number;
  /** Throughput: brain.concurrency values tried (the first is the default config's). @defaultValue `[32, 128]` */
  concurrency: readonly number[];
  /** Memory: messages pushed through the console's HTTP API. @defaultValue `10000` */
  memoryMessages: number;
  /** Memory: browser sessions those messages are spread over. @defaultValue `200` */
  sessions: number;
  /** Log level of the in-process brain (written to /dev/null; `info` is what `npm start` pays). @defaultValue `info` */
  brainLog: 'info' | 'silent';
  /** Recall: memories of the measured person (100k is opt-in: its HNSW build takes minutes). @defaultValue `[10000]` */
  recallSizes: readonly number[];
  /** Recall: timed recalls per size. @defaultValue `200` */
  recallQueries: number;
}

export const DefaultBenchOptions = {
  only: BENCHES,
  turns: 2_000,
  warmup: 200,
  conversations: 1_000,
  perConversation: 10,
  concurrency: [32, 128],
  memoryMessages: 10_000,
  sessions: 200,
  brainLog: 'info',
  recallSizes: [10_000],
  recallQueries: 200,
} as const satisfies BenchOptions;

export const USAGE = `npm run bench -- [flags]
  --only=${BENCHES.join(',')}   run only these (default: all)
  --turns=N            round trip: measured turns (default ${DefaultBenchOptions.turns})
  --warmup=N           round trip: warmup turns (default ${DefaultBenchOptions.warmup})
  --conversations=N    throughput: concurrent conversations (default ${DefaultBenchOptions.conversations})
  --per-conv=N         throughput: messages per conversation (default ${DefaultBenchOptions.perConversation})
  --concurrency=A,B    throughput: brain.concurrency values (default ${DefaultBenchOptions.concurrency.join(',')})
  --memory-messages=N  memory: messages through the console (default ${DefaultBenchOptions.memoryMessages})
  --sessions=N         memory: browser sessions (default ${DefaultBenchOptions.sessions})
  --brain-log=info|silent  in-process brain log level, written to /dev/null (default info)
  --recall-sizes=A,B   recall: memories of the measured person (default ${DefaultBenchOptions.recallSizes.join(',')}; add 100000 for the full run)
  --recall-queries=N   recall: timed recalls per size (default ${DefaultBenchOptions.recallQueries})
  --quick              small counts for a smoke run (turns 300, 100x5 conversations, 1000 memory messages)
Diagnostic (separate): node bench/profile.ts [helix|bare|helix-null-store] [turns]  (CPU profile of round trips)`;

/** Parses `--name=value` flags; throws with the usage on anything unknown. */
export function parseArgs(argv: readonly string[]): BenchOptions {
  const opts: BenchOptions = { ...DefaultBenchOptions };
  for (const arg of argv) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new Error(`unknown argument ${arg}\n${USAGE}`);
    const [, name, value = ''] = m;
    const int = () => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} needs a whole number, got "${value}"`);
      return n;
    };
    switch (name) {
      case 'only':
        opts.only = value.split(',').filter(Boolean).map(benchName);
        break;
      case 'turns':
        opts.turns = Math.max(1, int());
        break;
      case 'warmup':
        opts.warmup = int();
        break;
      case 'conversations':
        opts.conversations = Math.max(1, int());
        break;
      case 'per-conv':
        opts.perConversation = Math.max(1, int());
        break;
      case 'concurrency':
        opts.concurrency = value.split(',').filter(Boolean).map((v) => {
          const n = Number(v);
          if (!Number.isInteger(n) || n < 1 || n > 1_000) throw new Error(`--concurrency takes numbers 1..1000, got "${v}"`);
          return n;
        });
        break;
      case 'memory-messages':
        opts.memoryMessages = Math.max(1, int());
        break;
      case 'sessions':
        opts.sessions = Math.max(1, int());
        break;
      case 'brain-log':
        if (value !== 'info' && value !== 'silent') throw new Error('--brain-log is info or silent');
        opts.brainLog = value;
        break;
      case 'recall-sizes':
        opts.recallSizes = value.split(',').filter(Boolean).map((v) => {
          const n = Number(v);
          if (!Number.isInteger(n) || n < 100 || n > 1_000_000) throw new Error(`--recall-sizes takes numbers 100..1000000, got "${v}"`);
          return n;
        });
        break;
      case 'recall-queries':
        opts.recallQueries = Math.max(1, int());
        break;
      case 'quick':
        Object.assign(opts, { turns: 300, warmup: 50, conversations: 100, perConversation: 5, memoryMessages: 1_000, sessions: 50 });
        break;
      case 'help':
        throw new Error(USAGE);
      default:
        throw new Error(`unknown flag --${name}\n${USAGE}`);
    }
  }
  return opts;
}

function benchName(s: string): BenchName {
  const name = (BENCHES as readonly string[]).includes(s) ? (s as BenchName) : ALIASES[s];
  if (!name) throw new Error(`--only: unknown measurement "${s}" (known: ${BENCHES.join(', ')})`);
  return name;
}
