import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { HelixError } from '../../mesh/index.ts';
import { parseDuration } from './duration.ts';

/** The placeholder every SLI query carries where the rate window goes: `rate(x[{{window}}])`. */
export const WINDOW_PLACEHOLDER = '{{window}}';

const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'must be a Prometheus label name (letters, digits, _; not starting with a digit)');
const reservedLabels = new Set(['slo', 'service', 'severity', 'alertname']);
const labels = z
  .record(labelName, z.string().max(256))
  .refine((l) => !Object.keys(l).some((k) => reservedLabels.has(k)), 'must not set slo, service, severity or alertname (the generator sets them)')
  .default({});
const name = z.string().min(1).max(63).regex(/^[a-z][a-z0-9_-]*$/, 'must be lowercase letters, digits, - or _, starting with a letter');
/** A runbook link: a URL, or a path in the Helix repository (README.md#slos-and-paging). */
const runbook = z.string().min(1, 'must be a runbook URL or repository path').max(1_024).refine((r) => !/\s/.test(r), 'must be a URL or path without spaces');
const duration = z.string().refine((d) => parseDuration(d) !== undefined, 'must be a Prometheus duration such as 30d, 28d or 7d');
const promql = z
  .string()
  .min(1)
  .max(4_000)
  .refine((q) => q.includes(WINDOW_PLACEHOLDER), `must contain ${WINDOW_PLACEHOLDER} where the rate window goes, e.g. sum(rate(http_requests_total[${WINDOW_PLACEHOLDER}]))`);

/** The SLI as two PromQL rates: good events and all events, each with `{{window}}` as its range. */
export const SliSpec = z
  .object({
    /** Rate of good events, e.g. `sum(rate(helix_turns_total{outcome="answered"}[{{window}}]))`. */
    good: promql,
    /** Rate of all events, same window. */
    total: promql,
  })
  .strict();

/** One SLO of a service. */
export const SloSpec = z
  .object({
    name,
    description: z.string().max(500).optional(),
    /** Target, in percent of good events over the window (99.9 = three nines). */
    objective: z.number().gt(0, 'must be a percentage above 0, such as 99.9').lt(100, 'must be a percentage below 100, such as 99.9 (100% leaves no error budget)'),
    /** The SLO's rolling window. @defaultValue `30d` */
    window: duration.default('30d'),
    sli: SliSpec,
    /** Runbook for this SLO's alerts; falls back to the file's `runbook`. */
    runbook: runbook.optional(),
    labels,
    alerting: z
      .object({
        /** Emit the page alert (14.4× over 1 h and 5 m, 6× over 6 h and 30 m). @defaultValue `true` */
        page: z.boolean().default(true),
        /** Emit the ticket alert (3× over 1 d and 2 h, 1× over 3 d and 6 h). @defaultValue `true` */
        ticket: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
  })
  .strict();
export type SloSpec = z.infer<typeof SloSpec>;

/** An SLO spec file: one service and its SLOs (in the spirit of Sloth's `prometheus/v1` and OpenSLO). */
export const SloSpecFile = z
  .object({
    version: z.literal(1, 'must be 1'),
    service: name,
    /** Labels added to every generated rule. */
    labels,
    /** Default runbook for the file's SLOs. */
    runbook: runbook.optional(),
    slos: z.array(SloSpec).min(1, 'must list at least one SLO'),
  })
  .strict()
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.slos.forEach((slo, i) => {
      if (seen.has(slo.name)) ctx.addIssue({ code: 'custom', path: ['slos', i, 'name'], message: `duplicates an earlier SLO named ${slo.name}` });
      seen.add(slo.name);
      if (!slo.runbook && !file.runbook) ctx.addIssue({ code: 'custom', path: ['slos', i, 'runbook'], message: 'required: set runbook on this SLO or at the top of the file (alerts link to it)' });
    });
  });
export type SloSpecFile = z.infer<typeof SloSpecFile>;

/**
 * Parses an SLO spec file (YAML or JSON). Throws a HelixError `slo_spec_invalid` naming the file, and for each
 * problem its line, key path and what is wrong.
 */
export function parseSloSpec(text: string, source = 'SLO spec'): SloSpecFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length) {
    const problems = doc.errors.map((e) => {
      const pos = lineCounter.linePos(e.pos[0]);
      return `${source}:${pos.line}:${pos.col}: not valid YAML (${e.message.split('\n')[0]})`;
    });
    throw new HelixError('slo_spec_invalid', `SLO spec ${source} cannot be read:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  const result = SloSpecFile.safeParse(doc.toJS());
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    const line = lineOf(doc, lineCounter, path);
    const key = path.length ? path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${p}`)).join('') : '(top level)';
    const message = issue.code === 'unrecognized_keys' ? `unknown key(s) ${issue.keys.join(', ')}` : issue.message;
    return `${source}${line ? `:${line}` : ''}: ${key}: ${message}`;
  });
  throw new HelixError('slo_spec_invalid', `SLO spec ${source} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
}

/** The line of the deepest node of `path` that exists in the document. */
function lineOf(doc: ReturnType<typeof parseDocument>, counter: LineCounter, path: (string | number)[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (range) return counter.linePos(range[0]).line;
  }
  return undefined;
}
