import ICAL from 'ical.js';
import { z } from 'zod';
import { HelixError } from '../../mesh/index.ts';

/** What an on-call calendar feed may hold: it is untrusted input, so every dimension is bounded. */
export const ICAL_LIMITS = {
  /** Largest feed accepted. A year of weekly shifts for a team is a few kB; Google's full-calendar exports stay well under this. */
  maxBytes: 2 * 1_048_576,
  /** Events (VEVENTs, overrides included) in one feed. */
  maxEvents: 5_000,
  /**
   * Occurrences one expansion may step through, over every recurring event. ical.js steps a series from its DTSTART
   * (~25 µs a step here), so a daily series from ten years ago costs ~4,000 steps; expansion runs once per refresh
   * and at most hourly, never per request.
   */
  maxOccurrencesScanned: 20_000,
  /** How far ahead shifts are expanded (the next hand-off must fall within it to be shown). */
  lookaheadMs: 35 * 86_400_000,
} as const;

/** One person on call in a calendar shift. */
export const CalendarMember = z.object({
  discordId: z.string().regex(/^\d{15,22}$/),
  name: z.string().min(1).max(128),
});
export type CalendarMember = z.infer<typeof CalendarMember>;

/** One shift: `member` is on call from `start` (inclusive) to `end` (exclusive). */
export interface CalendarShift {
  start: Date;
  end: Date;
  member: CalendarMember;
}

/** A parsed, checked calendar: shifts are expanded from it on demand (recurrences included). */
export interface OnCallCalendar {
  /** The calendar's own name (X-WR-CALNAME), if any. */
  readonly name: string | undefined;
  /** Events that name a Discord id (overrides counted with their series). */
  readonly events: number;
  /** Events skipped because neither SUMMARY nor DESCRIPTION names a Discord id. */
  readonly skipped: number;
  /** Every shift overlapping [from, to), in start order; `truncated` when the scan bound stopped the expansion. */
  expand(from: Date, to: Date): { shifts: CalendarShift[]; truncated: boolean };
}

/** `<@123…>` (a Discord mention) or a bare 17–20 digit id (a snowflake), whichever comes first. */
const DISCORD_ID = /<@!?(\d{15,22})>|(?<![\d])(\d{17,20})(?![\d])/;

/**
 * Who an event puts on call: the first Discord id in its SUMMARY, else in its DESCRIPTION; the name is the SUMMARY
 * without the id (e.g. `Alice <@123…>` → Alice), or `<@id>` when nothing else is left. Pure.
 */
export function memberOf(summary: string | undefined, description: string | undefined): CalendarMember | undefined {
  for (const text of [summary, description]) {
    if (!text) continue;
    const match = DISCORD_ID.exec(text);
    const discordId = match?.[1] ?? match?.[2];
    if (!discordId) continue;
    const rest = (summary ?? '').replace(match?.[0] ?? '', ' ').replace(/\s+/g, ' ').replace(/^[\s\-–—:|,]+|[\s\-–—:|,]+$/g, '').slice(0, 128);
    const parsed = CalendarMember.safeParse({ discordId, name: rest || `<@${discordId}>` });
    if (parsed.success) return parsed.data;
  }
  return undefined;
}

/**
 * Parses an iCalendar feed (RFC 5545) into an on-call calendar: each VEVENT is a shift of the person it names
 * (see {@link memberOf}); RRULE / RDATE / EXDATE recurrences and RECURRENCE-ID overrides (a swapped shift) are
 * expanded by ical.js; cancelled events and occurrences are left out. Time zones come from the feed's VTIMEZONEs;
 * UTC times work everywhere. Throws `schedule_feed_failed` for text that is not a usable calendar. Pure.
 */
export function parseOnCallCalendar(text: string): OnCallCalendar {
  if (text.length > ICAL_LIMITS.maxBytes) throw invalid(`it is larger than ${ICAL_LIMITS.maxBytes} bytes`);
  let root: ICAL.Component;
  try {
    root = new ICAL.Component(ICAL.parse(text) as unknown[]);
  } catch (err) {
    throw invalid(`it is not iCalendar (${(err as Error).message.slice(0, 200)})`, err);
  }
  if (root.name !== 'vcalendar') throw invalid(`its root is ${root.name.toUpperCase() || 'nothing'}, not VCALENDAR`);
  const vevents = root.getAllSubcomponents('vevent');
  if (vevents.length > ICAL_LIMITS.maxEvents) throw invalid(`it has ${vevents.length} events (at most ${ICAL_LIMITS.maxEvents})`);
  const overrides = new Map<string, ICAL.Component[]>();
  for (const v of vevents) {
    if (!v.hasProperty('recurrence-id')) continue;
    const uid = String(v.getFirstPropertyValue('uid') ?? '');
    overrides.set(uid, [...(overrides.get(uid) ?? []), v]);
  }
  const events: ICAL.Event[] = [];
  let skipped = 0;
  for (const v of vevents) {
    if (v.hasProperty('recurrence-id') || !v.hasProperty('dtstart')) continue;
    const uid = String(v.getFirstPropertyValue('uid') ?? '');
    let event: ICAL.Event;
    try {
      // Overrides by UID only: without explicit exceptions ical.js would relate every override in the feed to every series.
      event = new ICAL.Event(v, { strictExceptions: true, exceptions: overrides.get(uid) ?? [] });
      void event.startDate.toJSDate();
    } catch (err) {
      throw invalid(`event ${uid.slice(0, 80) || '(no UID)'} is broken (${(err as Error).message.slice(0, 200)})`, err);
    }
    if (!memberOf(event.summary, event.description) && !(overrides.get(uid) ?? []).length) {
      skipped++;
      continue;
    }
    events.push(event);
  }
  const name = root.getFirstPropertyValue('x-wr-calname');
  return {
    name: typeof name === 'string' && name.trim() ? name.trim().slice(0, 128) : undefined,
    events: events.length,
    skipped,
    expand: (from, to) => expandShifts(events, from, to),
  };
}

function expandShifts(events: readonly ICAL.Event[], from: Date, to: Date): { shifts: CalendarShift[]; truncated: boolean } {
  const shifts: CalendarShift[] = [];
  let budget = ICAL_LIMITS.maxOccurrencesScanned;
  let truncated = false;
  const add = (item: ICAL.Event, startTime: ICAL.Time, endTime: ICAL.Time) => {
    if (cancelled(item)) return;
    const start = startTime.toJSDate();
    const end = endTime.toJSDate();
    if (!(end > from && start < to && end > start)) return;
    const member = memberOf(item.summary, item.description);
    if (member) shifts.push({ start, end, member });
  };
  for (const event of events) {
    if (!event.isRecurring()) {
      add(event, event.startDate, event.endDate);
      continue;
    }
    const it = event.iterator();
    // Occurrences long past are skipped without resolving their details (the costly part), unless the series has overrides.
    const durationMs = event.endDate.toJSDate().getTime() - event.startDate.toJSDate().getTime();
    const overridden = Object.keys(event.exceptions).length > 0;
    for (let next = it.next(); next; next = it.next()) {
      if (--budget < 0) {
        truncated = true;
        break;
      }
      if (!overridden && next.toJSDate().getTime() + durationMs <= from.getTime()) continue;
      const details = event.getOccurrenceDetails(next);
      if (details.startDate.toJSDate() >= to && next.toJSDate() >= to) break;
      add(details.item, details.startDate, details.endDate);
    }
    if (truncated) break;
  }
  shifts.sort((a, b) => a.start.getTime() - b.start.getTime() || a.end.getTime() - b.end.getTime());
  return { shifts, truncated };
}

function cancelled(event: ICAL.Event): boolean {
  return String(event.component.getFirstPropertyValue('status') ?? '').toUpperCase() === 'CANCELLED';
}

function invalid(why: string, cause?: unknown): HelixError {
  return new HelixError('schedule_feed_failed', `The on-call calendar (ops.scheduleIcalUrl) is not usable: ${why}. Check that the URL is the calendar's iCal (.ics) address.`, cause === undefined ? undefined : { cause });
}
