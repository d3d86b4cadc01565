// The bench's output: a readable table per measurement, then one JSON line that runs can be compared by.
import { round } from './stats.ts';

/** A bound a figure should stay within. */
export interface Target {
  op: '<=' | '>=';
  value: number;
}

export interface Metric {
  /** Stable key for the JSON line (snake_case). */
  key: string;
  label: string;
  value: number | string | boolean;
  unit?: string;
  target?: Target;
}

export interface Section {
  id: string;
  title: string;
  metrics: Metric[];
  notes: string[];
  /** Set when the measurement could not finish. */
  error?: string;
  seconds: number;
}

/** Whether a metric meets its target; undefined when it has none (or is not a number). */
export function passes(m: Metric): boolean | undefined {
  if (!m.target || typeof m.value !== 'number' || !Number.isFinite(m.value)) return m.target ? false : undefined;
  return m.target.op === '<=' ? m.value <= m.target.value : m.value >= m.target.value;
}

/** A metric with a target (shorthand for the measurement files). */
export function check(key: string, label: string, value: number, unit: string, op: Target['op'], target: number): Metric {
  return { key, label, value, unit, target: { op, value: target } };
}

/** A metric without a target. */
export function info(key: string, label: string, value: number | string | boolean, unit = ''): Metric {
  return { key, label, value, unit };
}

function fmt(v: Metric['value']): string {
  if (typeof v !== 'number') return String(v);
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  return a >= 1_000 ? Math.round(v).toLocaleString('en-US') : a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : v.toFixed(2);
}

/** The human-readable table. */
export function renderTable(sections: readonly Section[]): string {
  const lines: string[] = [];
  const labelWidth = Math.max(24, ...sections.flatMap((s) => s.metrics.map((m) => m.label.length)));
  for (const s of sections) {
    lines.push('', `== ${s.title}  (${s.seconds.toFixed(1)} s)`);
    if (s.error) lines.push(`   ERROR: ${s.error}`);
    for (const m of s.metrics) {
      const value = `${fmt(m.value)}${m.unit ? ` ${m.unit}` : ''}`;
      const target = m.target ? `${m.target.op} ${fmt(m.target.value)}${m.unit ? ` ${m.unit}` : ''}` : '';
      const verdict = m.target ? (passes(m) ? 'PASS' : 'MISS') : '';
      lines.push(`   ${m.label.padEnd(labelWidth)}  ${value.padStart(14)}   ${target.padEnd(14)} ${verdict}`.trimEnd());
    }
    for (const n of s.notes) lines.push(`   · ${n}`);
  }
  const checks = sections.flatMap((s) => s.metrics.filter((m) => m.target).map((m) => ({ s, m, ok: passes(m) })));
  const missed = checks.filter((c) => !c.ok);
  lines.push('', `== Targets: ${checks.length - missed.length}/${checks.length} PASS${missed.length ? `; MISS: ${missed.map((c) => `${c.s.id}.${c.m.key}`).join(', ')}` : ''}`);
  const failed = sections.filter((s) => s.error);
  if (failed.length) lines.push(`== Errors in: ${failed.map((s) => s.id).join(', ')}`);
  return lines.join('\n');
}

/** One JSON object for the whole run (printed as the last line). */
export function toJson(sections: readonly Section[], meta: Record<string, unknown>): Record<string, unknown> {
  const results: Record<string, Record<string, unknown>> = {};
  const checks: Record<string, { value: unknown; target: string; pass: boolean }> = {};
  const errors: Record<string, string> = {};
  for (const s of sections) {
    const r: Record<string, unknown> = { seconds: round(s.seconds, 1) };
    for (const m of s.metrics) {
      r[m.key] = typeof m.value === 'number' ? round(m.value) : m.value;
      if (m.target) checks[`${s.id}.${m.key}`] = { value: r[m.key], target: `${m.target.op}${m.target.value}`, pass: passes(m) ?? false };
    }
    results[s.id] = r;
    if (s.error) errors[s.id] = s.error;
  }
  const passed = Object.values(checks).filter((c) => c.pass).length;
  return { ...meta, results, checks, summary: { pass: passed, miss: Object.keys(checks).length - passed, errors: Object.keys(errors).length }, ...(Object.keys(errors).length ? { errors } : {}) };
}
