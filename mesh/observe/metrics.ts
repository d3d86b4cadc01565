import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The metrics every Helix process exposes on `/metrics`. Roles add their own to `registry`. */
export interface ProcessMetrics {
  readonly registry: Registry;
  /** Entries written to the dead-letter queue, by source queue and code. */
  readonly deadLetters: Counter<'queue' | 'code'>;
  /** Jobs processed by this process, by queue and outcome. */
  readonly jobs: Counter<'queue' | 'outcome'>;
  /** Waiting + delayed + active jobs per queue, sampled at scrape time. */
  readonly queueDepth: Gauge<'queue' | 'state'>;
}

/** Builds the registry with Node's default metrics under `helix_` and the shared queue metrics. */
export function createProcessMetrics(role: string): ProcessMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ role });
  collectDefaultMetrics({ register: registry, prefix: 'helix_' });
  return {
    registry,
    deadLetters: new Counter({ name: 'helix_dead_letters_total', help: 'Entries written to the dead-letter queue.', labelNames: ['queue', 'code'], registers: [registry] }),
    jobs: new Counter({ name: 'helix_jobs_total', help: 'Queue jobs handled by this process.', labelNames: ['queue', 'outcome'], registers: [registry] }),
    queueDepth: new Gauge({ name: 'helix_queue_depth', help: 'Jobs per queue and state, sampled at scrape time.', labelNames: ['queue', 'state'], registers: [registry] }),
  };
}

/** Latency buckets (seconds) for turn and model timings: 1 ms to 2 min. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export { Counter, Gauge, Histogram, Registry };
