import { OutboundReply, childTraceparent, newTraceparent, type Button, type OutboundReplyInput, type Traceparent } from '../../mesh/index.ts';
import { SLO_BUDGET_ENTRY, type Incident, type IncidentAlert, type IncidentState, type TimelineEntry } from '../incidents/incident.ts';
import type { OpsSeverity } from '../incidents/severity.ts';
import { clip, fitEmbed, type DraftField } from './fit-embed.ts';

/** Embed colours: severity while open, grey while silenced, green once resolved. */
export const COLORS: Record<OpsSeverity | 'silenced' | 'resolved', number> = {
  critical: 0xe01e5a,
  error: 0xe67e22,
  warning: 0xf1c40f,
  info: 0x3498db,
  silenced: 0x95a5a6,
  resolved: 0x2ecc71,
};

const STATE_LABEL: Record<IncidentState, string> = {
  firing: '🔥 FIRING',
  acknowledged: '👀 ACKNOWLEDGED',
  silenced: '🔕 SILENCED',
  snoozed: '💤 SNOOZED',
  escalated: '📣 ESCALATED',
  resolved: '✅ RESOLVED',
};

/** Labels shown first, when present (the rest follow as space allows). */
const KEY_LABELS = ['alertname', 'severity', 'team', 'service', 'job', 'instance', 'namespace', 'cluster', 'env', 'environment', 'region', 'pod'];

/** Silence lengths offered as buttons. */
export const SILENCE_BUTTONS: ReadonlyArray<{ sec: number; label: string }> = [
  { sec: 3_600, label: 'Silence 1 h' },
  { sec: 4 * 3_600, label: 'Silence 4 h' },
  { sec: 24 * 3_600, label: 'Silence 24 h' },
];

/** The edit key of an incident's message: every render of the incident edits the same message. */
export function editKeyOf(incidentId: string): string {
  return `ops-incident-${incidentId}`;
}

const unix = (d: Date) => Math.floor(d.getTime() / 1_000);

/** "3 h 12 min", "45 s". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1_000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** An http(s) URL, or undefined (a label value must never become a javascript: link). */
function httpUrl(value: string | undefined): string | undefined {
  if (!value || value.length > 2_048 || !URL.canParse(value)) return undefined;
  const u = new URL(value);
  return u.protocol === 'http:' || u.protocol === 'https:' ? u.toString() : undefined;
}

/** Backticks would end a code span early: alert text is shown, never interpreted. */
const inline = (s: string) => `\`${s.replace(/`/g, 'ˋ').replace(/\s+/g, ' ')}\``;

export interface RenderOptions {
  now: Date;
  /** Role ids mentioned (and allowed to ping) for this incident's severity. */
  mentionRoles: readonly string[];
  /** The newest SLO error budget reading (for an SLO burn-rate alert), shown as its own field. */
  sloBudget?: TimelineEntry | undefined;
  traceparent?: Traceparent;
}

/** The buttons of an incident in a state (none once resolved). */
export function buttonsFor(incident: Pick<Incident, 'id' | 'state' | 'ackedAt'>): Button[] {
  if (incident.state === 'resolved') return [];
  const id = incident.id;
  const acked = incident.ackedAt !== undefined || incident.state === 'acknowledged' || incident.state === 'snoozed';
  const silenced = incident.state === 'silenced' || incident.state === 'snoozed';
  const b = (action: string, label: string, style: Button['style'], disabled = false): Button => ({ action, label, style, disabled });
  return [
    b(`ops:ack:${id}`, acked ? 'Acknowledged' : 'Acknowledge', 'primary', acked),
    b(`ops:resolve:${id}`, 'Resolve', 'success'),
    b(`ops:escalate:${id}`, 'Escalate', 'danger'),
    ...(silenced ? [b(`ops:unsilence:${id}`, 'Unsilence', 'secondary')] : SILENCE_BUTTONS.map((s) => b(`ops:silence:${id}:${s.sec}`, s.label, 'secondary'))),
  ];
}

/**
 * The Discord message of an incident, as an outbound reply that edits the incident's one message in
 * place (`editKey`). Alert text (labels, annotations) only ever goes into the embed, as data; the
 * message content holds nothing but the configured role mentions. Pure: the clock is passed in.
 */
export function renderIncident(incident: Incident, alerts: readonly IncidentAlert[], timeline: readonly TimelineEntry[], opts: RenderOptions): OutboundReply {
  const firing = alerts.filter((a) => a.status === 'firing');
  const resolved = alerts.filter((a) => a.status === 'resolved');
  const sev = incident.severity;
  const ann = incident.commonAnnotations;
  const first = firing[0] ?? alerts[0];
  const title = `${STATE_LABEL[incident.state]} · ${sev.toUpperCase()} · ${incident.title}`;

  const described: string[] = [];
  const main = ann.description ?? ann.summary ?? first?.annotations.description ?? first?.annotations.summary;
  if (main) described.push(main);
  if (alerts.length > 1) {
    const lines = [...firing, ...resolved].slice(0, 50).map((a) => {
      const what = a.annotations.summary ?? a.labels.instance ?? a.fingerprint;
      return `${a.status === 'firing' ? '🔴' : '🟢'} ${inline(clip(a.labels.alertname ?? 'alert', 64))} ${clip(what, 200)}`;
    });
    described.push(lines.join('\n'));
  }

  const since = incident.createdAt;
  const fields: DraftField[] = [];
  fields.push({ name: 'Status', value: STATE_LABEL[incident.state], inline: true, priority: 0 });
  fields.push({ name: 'Severity', value: sev, inline: true, priority: 0 });
  if (incident.state === 'resolved') {
    const end = incident.resolvedAt ?? opts.now;
    fields.push({ name: 'Fired for', value: `${formatDuration(end.getTime() - since.getTime())} (resolved <t:${unix(end)}:R>${incident.resolvedBy ? ` by ${incident.resolvedBy}` : ''})`, inline: true, priority: 0 });
  } else {
    fields.push({ name: 'Firing for', value: `${formatDuration(opts.now.getTime() - since.getTime())} (since <t:${unix(since)}:R>)`, inline: true, priority: 0 });
  }
  if (incident.ackedBy) fields.push({ name: 'Acknowledged by', value: `${incident.ackedBy}${incident.ackedAt ? ` <t:${unix(incident.ackedAt)}:R>` : ''}`, inline: true, priority: 0 });
  if (incident.silencedUntil && (incident.state === 'silenced' || incident.state === 'snoozed')) fields.push({ name: 'Silenced until', value: `<t:${unix(incident.silencedUntil)}:f>`, inline: true, priority: 0 });
  if (incident.escalationLevel > 0 && incident.state !== 'resolved') fields.push({ name: 'Escalation', value: `step ${incident.escalationLevel}`, inline: true, priority: 0 });
  if (opts.sloBudget) fields.push({ name: 'Error budget', value: `${opts.sloBudget.detail}\nRead from Prometheus <t:${unix(opts.sloBudget.at)}:R>`, priority: 0 });
  fields.push({ name: 'Alerts', value: `${firing.length} firing, ${resolved.length} resolved`, inline: true, priority: 1 });
  const runbook = httpUrl(ann.runbook_url ?? ann.runbook ?? first?.annotations.runbook_url ?? first?.annotations.runbook);
  if (runbook) fields.push({ name: 'Runbook', value: `[open runbook](${runbook})`, inline: true, priority: 1 });
  const source = httpUrl(first?.generatorUrl) ?? httpUrl(incident.externalUrl);
  if (source) fields.push({ name: 'Source', value: `[${incident.source === 'grafana' ? 'Grafana' : 'Prometheus'}](${source})`, inline: true, priority: 1 });
  const labels = { ...incident.groupLabels, ...incident.commonLabels };
  const keys = [...KEY_LABELS.filter((k) => k in labels), ...Object.keys(labels).filter((k) => !KEY_LABELS.includes(k)).sort()];
  if (keys.length) {
    const text = keys.slice(0, 40).map((k) => `${inline(clip(k, 64))} = ${inline(clip(labels[k] ?? '', 200))}`).join('\n');
    fields.push({ name: 'Labels', value: text, priority: 2 });
  }
  const recent = timeline.filter((t) => t.kind !== SLO_BUDGET_ENTRY).slice(-5).map((t) => `<t:${unix(t.at)}:t> ${t.kind.replace(/_/g, ' ')}${t.actorName ? ` by ${clip(t.actorName, 64)}` : ''}${t.detail && !t.kind.startsWith('alert_') ? `: ${clip(t.detail, 120)}` : ''}`);
  if (recent.length) fields.push({ name: 'Timeline', value: recent.join('\n'), priority: 3 });

  const fitted = fitEmbed({ title, description: described.join('\n\n'), fields, footer: `Helix ops · ${incident.id}` });
  const color = incident.state === 'resolved' ? COLORS.resolved : incident.state === 'silenced' || incident.state === 'snoozed' ? COLORS.silenced : COLORS[sev];
  const url = runbook ?? source;
  const channelId = incident.channelId ?? '';
  const traceparent = opts.traceparent ? childTraceparent(opts.traceparent) : newTraceparent();
  return OutboundReply.parse({
    v: 1,
    platform: 'discord',
    replyId: `ops-${incident.id}-v${incident.version}`,
    kind: 'final',
    conversation: { id: channelId, kind: 'group', title: 'ops', route: { channelId } },
    parts: opts.mentionRoles.length ? [`${opts.mentionRoles.map((r) => `<@&${r}>`).join(' ')} ${sev} incident ${incident.id}`] : [],
    mentionRoles: [...opts.mentionRoles],
    embeds: [
      {
        title: fitted.title,
        ...(fitted.description ? { description: fitted.description } : {}),
        ...(url ? { url } : {}),
        color,
        fields: fitted.fields,
        footer: fitted.footer,
        timestamp: incident.createdAt.toISOString(),
      },
    ],
    buttons: buttonsFor(incident),
    editKey: editKeyOf(incident.id),
    traceparent,
    // The bot drops an edit older than the one it last applied: the incident's own clock orders them.
    createdAt: incident.updatedAt.toISOString(),
  } satisfies OutboundReplyInput);
}
