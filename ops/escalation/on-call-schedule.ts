import type { OpsSection } from '../../config/index.ts';
import type { IcalFeed } from './ical-feed.ts';
import { describeOnCall, onCallAt, onCallFromShifts, type OnCallMember, type OnCallNow } from './schedule.ts';

export interface OnCallScheduleOptions {
  /** `ops.schedule`: rotations from config. */
  rotations: OpsSection['schedule'];
  /** The calendar feed (`ops.scheduleIcalUrl`), when configured. */
  feed?: IcalFeed | undefined;
  /** Rotation name of the calendar's shifts. @defaultValue `calendar` */
  feedRotation?: string;
}

/**
 * The on-call schedule escalation and `/oncall` read: the config rotations plus, when configured, the calendar
 * feed as one more rotation. Merge rule: once the feed has loaded, it wins over a config rotation of the same name
 * (that rotation is its fallback until the first good load); other config rotations always count. People named only
 * by the calendar have no `pageTo`: a config member with the same Discord id lends theirs.
 */
export class OnCallSchedule {
  readonly #rotations: OpsSection['schedule'];
  readonly #feed: IcalFeed | undefined;
  readonly #feedRotation: string;

  constructor(opts: OnCallScheduleOptions) {
    this.#rotations = opts.rotations;
    this.#feed = opts.feed;
    this.#feedRotation = opts.feedRotation ?? 'calendar';
  }

  /** Who is on call at `now` in each rotation covering `team` (the calendar rotation covers every team). */
  at(now: Date, team?: string): OnCallNow[] {
    const feed = this.#feed?.loaded ? this.#feed : undefined;
    const config = onCallAt(feed ? this.#rotations.filter((r) => r.name !== this.#feedRotation) : this.#rotations, now, team);
    if (!feed) return config;
    const fromFeed = onCallFromShifts(this.#feedRotation, feed.shifts(now), now);
    const lend = (m: OnCallMember | undefined) => (m ? { ...m, ...(this.#pageToOf(m.discordId) ? { pageTo: this.#pageToOf(m.discordId) } : {}) } : undefined);
    return [{ ...fromFeed, current: lend(fromFeed.current), next: lend(fromFeed.next) }, ...config];
  }

  /** The `/oncall` answer; says when the calendar feed is stale or not loaded yet. */
  describe(now: Date): string {
    const text = describeOnCall(this.at(now));
    const status = this.#feed?.status();
    if (!status || status.state === 'fresh') return text;
    if (status.state === 'loading') return `${text}\n⚠️ The on-call calendar has not loaded yet; showing ops.schedule only.`;
    const since = status.loadedAt ? `its copy from <t:${Math.floor(status.loadedAt.getTime() / 1_000)}:R>` : 'ops.schedule only (it never loaded)';
    return `${text}\n⚠️ The on-call calendar is stale: the last fetch failed <t:${Math.floor(status.failedAt.getTime() / 1_000)}:R> (${status.error.slice(0, 300)}). Showing ${since}.`;
  }

  /** The `pageTo` of each person (by Discord id) as the config says now; people without one are left out. */
  pageToOf(discordIds: readonly string[]): string[] {
    return [...new Set(discordIds.flatMap((id) => this.#pageToOf(id) ?? []))];
  }

  #pageToOf(discordId: string): string | undefined {
    for (const r of this.#rotations) for (const m of r.members) if (m.discordId === discordId && m.pageTo) return m.pageTo;
    return undefined;
  }
}
