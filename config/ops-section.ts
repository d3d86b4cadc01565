import { z } from 'zod';
import { port, snowflake } from './fields.ts';

/** A list in YAML, or a comma-separated string (how an environment variable gives one). */
const snowflakes = z.union([z.array(snowflake), z.string().transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean)).pipe(z.array(snowflake))]);

/** Alert severities ops knows; an alert's `severity` label maps onto one (unknown → `warning`). */
export const OpsSeverity = z.enum(['critical', 'error', 'warning', 'info']);
export type OpsSeverity = z.infer<typeof OpsSeverity>;

/** Where an incident's message goes: the first route whose severity and team match (unset = any). */
const OpsRoute = z.object({
  severity: OpsSeverity.optional(),
  team: z.string().min(1).max(128).optional(),
  channelId: snowflake,
});

/** One on-call rotation: `members` take turns, handing off every `shiftHours` from `start`. */
const OpsRotation = z.object({
  name: z.string().min(1).max(128),
  /** Only incidents of this team (the `team` label); unset = every team. */
  team: z.string().min(1).max(128).optional(),
  /** The first hand-off (ISO date-time); later hand-offs follow every `shiftHours`. */
  start: z.iso.datetime({ offset: true }),
  shiftHours: z.number().positive().max(24 * 365),
  members: z.array(z.object({ discordId: snowflake, name: z.string().min(1).max(128), pageTo: z.string().min(1).max(256).optional() })).min(1).max(100),
});

const bySeverity = <T extends z.ZodType>(item: T) => z.partialRecord(OpsSeverity, item);

/** The ops service (ops/): alert receivers, incidents in Discord, escalation. Runs when a receiver credential is set. */
export const OpsSection = z.object({
  /** Address of the alert receivers (/alertmanager, /grafana), /healthz and /metrics. @defaultValue `127.0.0.1` */
  host: z.string().default('127.0.0.1'),
  /** @defaultValue `8097` */
  port: port.default(8097),
  /** Bearer token Alertmanager / Grafana must send (secret: prefer HELIX_OPS__RECEIVER_TOKEN_FILE). Unset (and no basic auth): no ops service. */
  receiverToken: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Alternative to the token: `user:password` for HTTP basic auth (secret: prefer ..._FILE). */
  receiverBasicAuth: z.string().regex(/^[^:]+:.{8,}$/, 'must be user:password (password at least 8 characters)').optional(),
  /** Embedded database directory of the ops service when `store.databaseUrl` is unset (PGlite allows one process per directory). @defaultValue `./data/pglite-ops` */
  dataDir: z.string().default('./data/pglite-ops'),
  /** Largest webhook body accepted, in bytes. @defaultValue `1048576` */
  maxBodyBytes: z.number().int().min(1_024).max(64 * 1_048_576).default(1_048_576),
  /** Channel for incidents no route matches. */
  channelId: snowflake.optional(),
  /** Channel routing by severity and/or team, first match wins. @defaultValue `[]` */
  routes: z.array(OpsRoute).max(100).default([]),
  /** Discord role ids whose members may act on incidents (ack, resolve, silence, escalate, note). @defaultValue `[]` */
  onCallRoleIds: snowflakes.default([]),
  /** Role ids mentioned when an incident of a severity opens or escalates, e.g. `{critical: ["…"]}`. @defaultValue `{}` */
  mentionRoles: bySeverity(z.array(snowflake).max(10)).default({}),
  /** Alertmanager's base URL, for silences (API v2). @defaultValue `http://127.0.0.1:9093` */
  alertmanagerUrl: z.url().default('http://127.0.0.1:9093'),
  /** Minutes of Alertmanager silence an acknowledgement also creates (the incident shows as snoozed); 0 = none. @defaultValue `0` */
  ackSilenceMinutes: z.number().int().min(0).max(1_440).default(0),
  /** Seconds an unacknowledged incident waits before each escalation step, by severity; 0 = never escalate. @defaultValue `{critical: 300, error: 900, warning: 3600, info: 0}` */
  escalationSec: bySeverity(z.number().int().min(0).max(7 * 86_400)).default({ critical: 300, error: 900, warning: 3_600, info: 0 }),
  /** Page through the configured pagers (paging section) as the last escalation step. @defaultValue `true` */
  pageOnEscalation: z.boolean().default(true),
  /**
   * Seconds before a page that failed (a transport down or rate limiting past its own retries) is sent again through
   * the transports that failed, to whoever does not have it yet; each next try waits twice as long. 0 = never.
   * @defaultValue `60`
   */
  pageRetrySec: z.number().int().min(0).max(86_400).default(60),
  /** Most tries of a failed page after the first, while the incident stays unacknowledged. @defaultValue `5` */
  pageRetries: z.number().int().min(0).max(20).default(5),
  /** On-call rotations (hand-off times); `/oncall` and escalation read them. @defaultValue `[]` */
  schedule: z.array(OpsRotation).max(50).default([]),
  /**
   * An on-call calendar (iCalendar, `.ics`) fetched over HTTP(S): each event is a shift of the person whose Discord id
   * its SUMMARY (or DESCRIPTION) holds, as `<@id>` or the bare id. Secret when it is a private address (prefer ..._FILE).
   */
  scheduleIcalUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL of an .ics feed' }).optional(),
  /** Rotation name of the calendar's shifts; a `schedule` rotation of the same name is its fallback until the feed first loads. @defaultValue `calendar` */
  scheduleIcalRotation: z.string().min(1).max(128).default('calendar'),
  /** Seconds between fetches of the calendar. @defaultValue `300` */
  scheduleIcalRefreshSec: z.number().int().min(30).max(86_400).default(300),
  /** Longest one fetch of the calendar may take. @defaultValue `10000` */
  scheduleIcalTimeoutMs: z.number().int().min(500).max(60_000).default(10_000),
});
export type OpsSection = z.infer<typeof OpsSection>;
