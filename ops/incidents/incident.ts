import type { OpsSeverity } from './severity.ts';

/** Incident states: firing → acknowledged → resolved, plus silenced, snoozed (acked with a short silence) and escalated. */
export type IncidentState = 'firing' | 'acknowledged' | 'silenced' | 'snoozed' | 'escalated' | 'resolved';

/** One incident as ops works with it. */
export interface Incident {
  id: string;
  source: 'alertmanager' | 'grafana';
  groupKey: string;
  state: IncidentState;
  severity: OpsSeverity;
  team: string | undefined;
  title: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalUrl: string | undefined;
  channelId: string | undefined;
  ackedBy: string | undefined;
  ackedAt: Date | undefined;
  resolvedBy: string | undefined;
  resolvedAt: Date | undefined;
  silenceId: string | undefined;
  silencedUntil: Date | undefined;
  escalationLevel: number;
  timerToken: string | undefined;
  version: number;
  renderedVersion: number;
  createdAt: Date;
  updatedAt: Date;
}

/** One alert of an incident. */
export interface IncidentAlert {
  fingerprint: string;
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: Date;
  endsAt: Date | undefined;
  generatorUrl: string | undefined;
}

/** One line of an incident's timeline. */
export interface TimelineEntry {
  at: Date;
  kind: string;
  actorId: string | undefined;
  actorName: string | undefined;
  detail: string;
}

/** States in which nobody has taken the incident yet (escalation runs). */
export const UNATTENDED: ReadonlySet<IncidentState> = new Set(['firing', 'escalated']);

/** Timeline kind of an SLO error budget reading (a page about a burn-rate alert); the incident message shows the newest one. */
export const SLO_BUDGET_ENTRY = 'slo_budget';
