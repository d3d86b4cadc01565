import type { HealthSnapshot } from '../../mesh/index.ts';
import type { HealthAnswer } from './ops-health-client.ts';

const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;
const ago = (since: string, now: Date) => {
  const min = Math.max(0, Math.round((now.getTime() - Date.parse(since)) / 60_000));
  return min < 60 ? `${min} min` : min < 2_880 ? `${Math.round(min / 60)} h` : `${Math.round(min / 1_440)} d`;
};

/**
 * The snapshot as short plain lines (for the prompt's data block and the no-model answer). Incident titles come
 * from alerts and are untrusted: they are JSON-quoted here, and the prompt shows the whole block as data.
 */
export function describeHealth(s: HealthSnapshot, now: Date): string[] {
  const lines: string[] = [];
  const { open, bySeverity, top } = s.incidents;
  if (open === 0) lines.push('Open incidents: none.');
  else {
    const counts = Object.entries(bySeverity).map(([sev, n]) => `${n} ${sev}`).join(', ');
    lines.push(`Open incidents: ${open} (${counts}).`);
    for (const i of top) lines.push(`- ${JSON.stringify(i.title)}: ${i.severity}, ${i.state}, for ${ago(i.since, now)}`);
  }
  if (s.slos?.length) {
    const spent = s.slos.filter((b) => b.budgetRemaining !== undefined && b.budgetRemaining <= 0);
    const burning = s.slos.filter((b) => (b.burnRate ?? 0) > 1 && !spent.includes(b));
    lines.push(`SLOs: ${s.slos.length} tracked; ${spent.length} with the error budget spent, ${burning.length} burning faster than budgeted.`);
    for (const b of [...spent, ...burning].slice(0, 5)) {
      lines.push(`- ${b.service}/${b.slo} (objective ${b.objective}%): ${b.budgetRemaining === undefined ? 'no data' : `${pct(b.budgetRemaining)} of budget left`}${b.burnRate === undefined ? '' : `, burn rate ${b.burnRate.toFixed(1)}×`}`);
    }
  } else if (s.slosUnavailable) lines.push(`SLOs: ${s.slosUnavailable}`);
  const backlog = s.queues.filter((q) => q.waiting + q.delayed > 0 || q.failed > 0);
  const waiting = s.queues.reduce((n, q) => n + q.waiting, 0);
  lines.push(`Queues: ${s.queues.length} watched, ${waiting} jobs waiting in all${backlog.length ? ` (${backlog.map((q) => `${q.name} ${q.waiting} waiting${q.failed ? `, ${q.failed} failed` : ''}`).join('; ')})` : ''}; dead letters: ${s.deadLetters}.`);
  return lines;
}

/** A one-glance verdict: fine, degraded (warnings, burning budgets, dead letters) or in trouble (critical/error incidents, spent budgets). */
export function healthVerdict(s: HealthSnapshot): 'fine' | 'degraded' | 'trouble' {
  const serious = (s.incidents.bySeverity.critical ?? 0) + (s.incidents.bySeverity.error ?? 0);
  if (serious > 0 || s.slos?.some((b) => b.budgetRemaining !== undefined && b.budgetRemaining <= 0)) return 'trouble';
  if (s.incidents.open > 0 || s.deadLetters > 0 || s.slos?.some((b) => (b.burnRate ?? 0) > 1)) return 'degraded';
  return 'fine';
}

/** The deterministic answer (no model): a verdict line, then the details. */
export function healthReply(answer: HealthAnswer, now: Date): string {
  if (!answer.ok) {
    return answer.reason === 'timeout' || answer.reason === 'unavailable'
      ? "I can't see my own telemetry right now: the ops service did not answer (is `npm run ops` running?)."
      : 'The ops service answered with something I could not read, so I cannot tell how the platform is doing.';
  }
  const verdict = healthVerdict(answer.snapshot);
  const head = verdict === 'fine' ? "I'm doing well: everything I run on looks healthy." : verdict === 'degraded' ? "I'm mostly fine, with a few things being looked at:" : "Not great, honestly: part of the platform I run on is in trouble.";
  return [head, ...describeHealth(answer.snapshot, now)].join('\n');
}
