import type { OpsSection } from '../../config/index.ts';
import type { CalendarShift } from './ical-schedule.ts';

type Rotation = OpsSection['schedule'][number];
/** A person in a rotation; `pageTo` is where pages reach them (config only: a calendar names Discord ids). */
export type OnCallMember = { discordId: string; name: string; pageTo?: string | undefined };

/** Who holds a rotation now, who is next, and when the hand-off is. */
export interface OnCallNow {
  rotation: string;
  /** Nobody when a calendar has a gap now. */
  current: OnCallMember | undefined;
  /** Nobody when a calendar has no later shift within its look-ahead. */
  next: OnCallMember | undefined;
  /** When `current` hands off to `next` (or, in a gap, when `next` starts); undefined when nothing is ahead. */
  handoffAt: Date | undefined;
}

/**
 * Who is on call at `now` in each rotation that covers `team` (a rotation without a team covers every
 * team). Members take turns every `shiftHours` from `start`; before `start` the first member holds it. Pure.
 */
export function onCallAt(schedule: readonly Rotation[], now: Date, team?: string): OnCallNow[] {
  return schedule
    .filter((r) => !team || !r.team || r.team === team)
    .map((r) => {
      const shiftMs = r.shiftHours * 3_600_000;
      const start = Date.parse(r.start);
      const shifts = Math.max(0, Math.floor((now.getTime() - start) / shiftMs));
      const n = r.members.length;
      const current = r.members[shifts % n] as OnCallMember;
      const next = r.members[(shifts + 1) % n] as OnCallMember;
      const handoffAt = new Date(Math.max(start, start + (shifts + 1) * shiftMs));
      return { rotation: r.name, current, next, handoffAt: now.getTime() < start ? new Date(start + shiftMs) : handoffAt };
    });
}

/**
 * Who is on call at `now` from calendar shifts (sorted by start). When shifts overlap, the one that started last
 * holds it (an override placed on top of the regular rotation wins); the next person is whoever holds it at the
 * hand-off. Pure.
 */
export function onCallFromShifts(rotation: string, shifts: readonly CalendarShift[], now: Date): OnCallNow {
  const holder = (at: Date) => shifts.filter((s) => s.start <= at && at < s.end).at(-1);
  const current = holder(now);
  if (!current) {
    const next = shifts.find((s) => s.start > now);
    return { rotation, current: undefined, next: next?.member, handoffAt: next?.start };
  }
  // The hand-off is the first shift boundary after now at which someone else (or nobody) holds the rotation.
  const boundaries = [...new Set(shifts.flatMap((s) => [s.start.getTime(), s.end.getTime()]).filter((t) => t > now.getTime()))].sort((a, b) => a - b);
  for (const t of boundaries) {
    const at = new Date(t);
    const then = holder(at);
    if (then?.member.discordId === current.member.discordId) continue;
    return { rotation, current: current.member, next: (then ?? shifts.find((s) => s.start >= at))?.member, handoffAt: at };
  }
  return { rotation, current: current.member, next: undefined, handoffAt: current.end };
}

const who = (m: OnCallMember) => `<@${m.discordId}> (${m.name})`;

/** A readable answer to `/oncall`. */
export function describeOnCall(list: readonly OnCallNow[]): string {
  if (!list.length) return 'No on-call schedule is configured (ops.schedule).';
  return list
    .map((o) => {
      const until = o.handoffAt ? ` until <t:${Math.floor(o.handoffAt.getTime() / 1_000)}:f>` : '';
      const then = o.next ? `, then ${who(o.next)}` : '';
      if (o.current) return `**${o.rotation}**: ${who(o.current)}${until}${then}`;
      return `**${o.rotation}**: nobody on call${o.next && o.handoffAt ? ` until <t:${Math.floor(o.handoffAt.getTime() / 1_000)}:f>${then}` : ' in the calendar ahead'}`;
    })
    .join('\n');
}
