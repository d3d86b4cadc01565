import type { OpsAlert } from '../../mesh/index.ts';

/** Alertmanager's "no end yet" time. */
const ZERO_TIME = /^0001-01-01/;

/** What one incoming alert means for the incident. */
export type AlertChange =
  | { kind: 'new'; alert: OpsAlert }
  | { kind: 'changed'; alert: OpsAlert; from: 'firing' | 'resolved' }
  | { kind: 'same'; alert: OpsAlert };

/** An alert as stored: enough to tell a repeat from a change. */
export interface KnownAlert {
  status: 'firing' | 'resolved';
  startsAt: Date;
  /** Its `severity` label. */
  severity?: string | undefined;
}

/** The end time of an alert, or undefined while it has none (Alertmanager's zero time). */
export function endOf(alert: Pick<OpsAlert, 'endsAt'>): Date | undefined {
  if (!alert.endsAt || ZERO_TIME.test(alert.endsAt)) return undefined;
  const t = new Date(alert.endsAt);
  return Number.isNaN(t.getTime()) ? undefined : t;
}

/**
 * Sorts a notification's alerts against what the incident already knows. A repeat (same fingerprint,
 * same status, same start: Alertmanager re-sends every group_interval / repeat_interval) is `same`;
 * a fingerprint seen with another status or a new start is `changed`. Within one notification the
 * last alert of a fingerprint wins. Pure.
 */
export function foldAlerts(known: ReadonlyMap<string, KnownAlert>, incoming: readonly OpsAlert[]): AlertChange[] {
  const last = new Map<string, OpsAlert>();
  for (const a of incoming) last.set(a.fingerprint, a);
  const out: AlertChange[] = [];
  for (const alert of last.values()) {
    const before = known.get(alert.fingerprint);
    if (!before) out.push({ kind: 'new', alert });
    else if (before.status === alert.status && sameStart(before.startsAt, alert.startsAt)) out.push({ kind: 'same', alert });
    else out.push({ kind: 'changed', alert, from: before.status });
  }
  return out;
}

function sameStart(known: Date, startsAt: string): boolean {
  const t = Date.parse(startsAt);
  return Number.isNaN(t) || Math.abs(t - known.getTime()) < 1_000;
}
