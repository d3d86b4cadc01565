import type { Queue } from 'bullmq';
import { HealthSnapshot } from '../../mesh/index.ts';
import type { Incident } from '../incidents/incident.ts';
import { SEVERITY_ORDER } from '../incidents/severity.ts';
import type { SloBudget } from '../slo/budget.ts';

/** Where a health snapshot's parts come from; each is optional so ops answers with what it has. */
export interface HealthSources {
  /** Open (not resolved) incidents. */
  openIncidents(): Promise<Incident[]>;
  /** SLO budgets from Prometheus; absent when ops has no Prometheus configured. */
  sloBudgets?: () => Promise<SloBudget[]>;
  /** Helix's queues to count (inbound, turns, outbound-*, ops-*...). */
  queues: readonly Queue[];
  /** The dead-letter queue. */
  deadLetters: Queue;
}

const TOP = 5;
const cut = (s: string, n = 200) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/**
 * One picture of the platform's health for the brain: open incidents (the most severe first), SLO budgets,
 * queue depths and dead letters. A part that fails (Prometheus down) is reported as unavailable rather than
 * failing the whole answer.
 */
export async function takeHealthSnapshot(sources: HealthSources, now = new Date()): Promise<HealthSnapshot> {
  const [incidents, slos, queues, deadLetters] = await Promise.all([
    sources.openIncidents(),
    sources.sloBudgets ? sources.sloBudgets().then((b) => ({ budgets: b }), (err: unknown) => ({ error: (err as Error).message })) : Promise.resolve(undefined),
    Promise.all(sources.queues.map(async (q) => {
      const c = await q.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized');
      return { name: q.name, waiting: (c.waiting ?? 0) + (c.prioritized ?? 0), active: c.active ?? 0, delayed: c.delayed ?? 0, failed: c.failed ?? 0 };
    })),
    sources.deadLetters.count(),
  ]);
  const bySeverity: Record<string, number> = {};
  for (const i of incidents) bySeverity[i.severity] = (bySeverity[i.severity] ?? 0) + 1;
  const rank = (i: Incident) => SEVERITY_ORDER.indexOf(i.severity);
  const top = [...incidents]
    .sort((a, b) => rank(a) - rank(b) || b.createdAt.getTime() - a.createdAt.getTime())
    .slice(0, TOP)
    .map((i) => ({ title: cut(i.title), severity: i.severity, state: i.state, since: i.createdAt.toISOString() }));
  return HealthSnapshot.parse({
    v: 1,
    takenAt: now.toISOString(),
    incidents: { open: incidents.length, bySeverity, top },
    ...(slos && 'budgets' in slos
      ? {
          slos: slos.budgets.slice(0, 50).map((b) => ({
            service: cut(b.service),
            slo: cut(b.slo),
            objective: b.objective,
            ...(b.remaining !== undefined && Number.isFinite(b.remaining) ? { budgetRemaining: b.remaining } : {}),
            ...(b.burnRate !== undefined && Number.isFinite(b.burnRate) ? { burnRate: Math.max(0, b.burnRate) } : {}),
          })),
        }
      : {}),
    ...(slos && 'error' in slos ? { slosUnavailable: cut(`SLO budgets unavailable: ${slos.error}`, 300) } : {}),
    queues,
    deadLetters,
  });
}
