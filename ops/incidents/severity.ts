import type { OpsSeverity } from '../../config/index.ts';

export type { OpsSeverity };

const ALIASES: Record<string, OpsSeverity> = {
  critical: 'critical', crit: 'critical', page: 'critical', p1: 'critical', fatal: 'critical', emergency: 'critical',
  error: 'error', err: 'error', high: 'error', major: 'error', p2: 'error',
  warning: 'warning', warn: 'warning', medium: 'warning', minor: 'warning', p3: 'warning',
  info: 'info', informational: 'info', low: 'info', none: 'info', p4: 'info', p5: 'info',
};

/** Most severe first. */
export const SEVERITY_ORDER: readonly OpsSeverity[] = ['critical', 'error', 'warning', 'info'];

/** An alert's `severity` label as one of ops' severities; anything unknown counts as `warning`. */
export function severityOf(label: string | undefined): OpsSeverity {
  return (label && ALIASES[label.trim().toLowerCase()]) || 'warning';
}

/** The most severe of several. */
export function worstSeverity(list: readonly OpsSeverity[]): OpsSeverity {
  return SEVERITY_ORDER.find((s) => list.includes(s)) ?? 'warning';
}
