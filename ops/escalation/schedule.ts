import type { OpsSection } from '../../config/index.ts';

type Rotation = OpsSection['schedule'][number];
export type OnCallMember = Rotation['members'][number];

/** Who holds a rotation now, who is next, and when the hand-off is. */
export interface OnCallNow {
  rotation: string;
  current: OnCallMember;
  next: OnCallMember;
  handoffAt: Date;
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

/** A readable answer to `/oncall`. */
export function describeOnCall(list: readonly OnCallNow[]): string {
  if (!list.length) return 'No on-call schedule is configured (ops.schedule).';
  return list.map((o) => `**${o.rotation}**: <@${o.current.discordId}> (${o.current.name}) until <t:${Math.floor(o.handoffAt.getTime() / 1_000)}:f>, then <@${o.next.discordId}> (${o.next.name})`).join('\n');
}
