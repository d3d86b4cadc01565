import type { Embed } from '../../mesh/index.ts';
import type { SloBudget } from './budget.ts';
import { humanDuration } from './duration.ts';

/**
 * Discord's embed limits (mesh `Embed` enforces the per-part ones; the 6000 total is Discord's alone).
 * @see https://discord.com/developers/docs/resources/message#embed-object-embed-limits
 */
export const EMBED_LIMITS = { title: 256, description: 4_096, fields: 25, fieldName: 256, fieldValue: 1_024, footer: 2_048, total: 6_000 } as const;

/** Colors by the worst SLO shown. */
export const BUDGET_COLORS = { exhausted: 0xe74c3c, burning: 0xe67e22, ok: 0x2ecc71, no_data: 0x95a5a6 } as const;

const MARK = { exhausted: '⛔', burning: '🔥', ok: '✅', no_data: '❔' } as const;
const RANK = { exhausted: 0, burning: 1, no_data: 2, ok: 3 } as const;

export interface RenderBudgetsOptions {
  /** The service asked for (`/slo helix`), for the title. */
  service?: string;
  /** When the numbers were read; the embed's timestamp. */
  now: Date;
}

/**
 * The `/slo [service]` answer: one embed (an `OutboundReply.embeds` entry) with a field per SLO, worst first,
 * within Discord's limits (at most 25 fields; the rest are counted in the footer).
 */
export function renderSloBudgets(budgets: readonly SloBudget[], opts: RenderBudgetsOptions): Embed {
  const title = clip(opts.service ? `SLOs of ${opts.service}` : 'SLOs', EMBED_LIMITS.title);
  const timestamp = opts.now.toISOString();
  if (budgets.length === 0) {
    return { title, description: opts.service ? `No SLOs are defined for ${opts.service}. Check the service name, or slo.specFiles.` : 'No SLOs are defined (slo.specFiles is empty).', color: BUDGET_COLORS.no_data, fields: [], timestamp };
  }
  const sorted = [...budgets].sort((a, b) => RANK[a.status] - RANK[b.status] || (a.remaining ?? 2) - (b.remaining ?? 2));
  const worst = sorted[0]?.status ?? 'no_data';
  const counts = { exhausted: 0, burning: 0, ok: 0, no_data: 0 };
  for (const b of budgets) counts[b.status]++;
  const description = clip(
    [counts.exhausted && `${counts.exhausted} exhausted`, counts.burning && `${counts.burning} burning`, counts.ok && `${counts.ok} ok`, counts.no_data && `${counts.no_data} without data`].filter(Boolean).join(' · '),
    EMBED_LIMITS.description,
  );
  const fields: Embed['fields'] = [];
  let size = title.length + description.length;
  let shown = 0;
  for (const b of sorted) {
    if (fields.length === EMBED_LIMITS.fields) break;
    const name = clip(`${MARK[b.status]} ${b.service} / ${b.slo}`, EMBED_LIMITS.fieldName);
    const value = clip(fieldValue(b), EMBED_LIMITS.fieldValue);
    // Keep room for the footer (≤ 100 chars) inside Discord's 6000-character total.
    if (size + name.length + value.length > EMBED_LIMITS.total - 100) break;
    size += name.length + value.length;
    fields.push({ name, value, inline: false });
    shown++;
  }
  const hidden = budgets.length - shown;
  const footer = hidden > 0 ? `${hidden} more SLO${hidden === 1 ? '' : 's'} not shown; ask /slo <service>` : 'Budget over each SLO window; burn rate over the last hour';
  return { title, description, color: BUDGET_COLORS[worst], fields, footer, timestamp };
}

/** One line for a page about an SLO alert: budget left and time to exhaustion at the current burn rate. */
export function budgetSummary(b: SloBudget): string {
  const target = `${b.objective}% over ${b.window}`;
  if (b.status === 'no_data' || b.remaining === undefined) return `${b.service} ${b.slo} (${target}): no error budget data in Prometheus yet.`;
  const left = `error budget ${percent(b.remaining)} left`;
  if (b.remaining <= 0) return `${b.service} ${b.slo} (${target}): ${left}: the budget is spent.`;
  if (b.burnRate === undefined) return `${b.service} ${b.slo} (${target}): ${left}; current burn rate unknown.`;
  return `${b.service} ${b.slo} (${target}): ${left}; burning ${rate(b.burnRate)}, ${exhaustion(b)}.`;
}

function fieldValue(b: SloBudget): string {
  const lines = [`Target ${b.objective}% over ${b.window}`];
  if (b.remaining === undefined) {
    lines.push('No data yet: are the SLO rules loaded in Prometheus, and is there traffic?');
  } else {
    lines.push(`Budget left: **${percent(b.remaining)}** ${bar(b.remaining)}`);
    if (b.burnRate !== undefined) lines.push(`Burn rate: ${rate(b.burnRate)} · ${exhaustion(b)}`);
  }
  if (b.description) lines.push(`-# ${b.description}`);
  return lines.join('\n');
}

function exhaustion(b: SloBudget): string {
  if (b.exhaustsInMs === undefined) return 'time to exhaustion unknown';
  if (b.exhaustsInMs === 0) return 'spent';
  if (!Number.isFinite(b.exhaustsInMs)) return 'not burning';
  return `runs out in ${humanDuration(b.exhaustsInMs)} at this rate`;
}

function percent(ratio: number): string {
  return `${(Math.round(ratio * 1_000) / 10).toFixed(1)}%`;
}

function rate(burn: number): string {
  return `${burn >= 10 ? burn.toFixed(0) : burn.toFixed(1)}×`;
}

function bar(ratio: number): string {
  const filled = Math.max(0, Math.min(10, Math.round(ratio * 10)));
  return `\`${'█'.repeat(filled)}${'░'.repeat(10 - filled)}\``;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
