import { HelixError, type Logger } from '../../mesh/index.ts';
import { ICAL_LIMITS, parseOnCallCalendar, type CalendarShift, type OnCallCalendar } from './ical-schedule.ts';

export interface IcalFeedOptions {
  /** The feed's address. Often secret (a private calendar address): never logged, only its host. */
  url: string;
  /** Time between fetches. @defaultValue `300000` */
  refreshMs?: number;
  /** Longest one fetch may take (connect, headers and body). @defaultValue `10000` */
  timeoutMs?: number;
  log: Logger;
  now?: () => Date;
}

/** What `/oncall` says about the feed. */
export type IcalFeedStatus =
  | { state: 'fresh'; loadedAt: Date }
  /** The last fetch failed: shifts come from the copy loaded at `loadedAt` (if any). */
  | { state: 'stale'; loadedAt: Date | undefined; failedAt: Date; error: string }
  | { state: 'loading' };

/** How long expanded shifts are reused before they are expanded again from the cached calendar. */
const REEXPAND_MS = 3_600_000;

/**
 * An on-call calendar fetched over HTTP(S) and refreshed on a timer. The last good copy is kept: a fetch that
 * fails (unreachable, timeout, non-2xx, too big, not a calendar) only logs a warning and marks the feed stale, so
 * escalation and `/oncall` go on with what was loaded before. `refresh()` never throws. `close()` stops the timer
 * and aborts a fetch in flight; safe to call twice.
 */
export class IcalFeed {
  readonly #url: string;
  readonly #host: string;
  readonly #refreshMs: number;
  readonly #timeoutMs: number;
  readonly #log: Logger;
  readonly #now: () => Date;
  readonly #closed = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #calendar: OnCallCalendar | undefined;
  #loadedAt: Date | undefined;
  #failure: { at: Date; error: string } | undefined;
  #expanded: { from: number; shifts: CalendarShift[] } | undefined;
  #inflight: Promise<boolean> | undefined;

  constructor(opts: IcalFeedOptions) {
    const refreshMs = opts.refreshMs ?? 300_000;
    if (!(refreshMs > 0)) throw new RangeError('refreshMs must be greater than 0 (ops.scheduleIcalRefreshSec)');
    this.#url = opts.url;
    this.#host = hostOf(opts.url);
    this.#refreshMs = refreshMs;
    this.#timeoutMs = opts.timeoutMs ?? 10_000;
    this.#log = opts.log;
    this.#now = opts.now ?? (() => new Date());
  }

  /** Loads the feed once (bounded by the timeout; a failure is only logged), then refreshes it every `refreshMs`. */
  async start(): Promise<void> {
    await this.refresh();
    if (this.#closed.signal.aborted || this.#timer) return;
    this.#timer = setInterval(() => void this.refresh(), this.#refreshMs);
    this.#timer.unref();
  }

  /** Fetches and parses the feed; true when a new good copy replaced the old one. Never throws; concurrent calls share one fetch. */
  refresh(): Promise<boolean> {
    this.#inflight ??= this.#load().finally(() => (this.#inflight = undefined));
    return this.#inflight;
  }

  /** Shifts overlapping [now, now + look-ahead) from the last good copy; empty before the first good load. */
  shifts(now: Date): CalendarShift[] {
    if (!this.#calendar) return [];
    const t = now.getTime();
    if (!this.#expanded || t < this.#expanded.from || t >= this.#expanded.from + REEXPAND_MS) {
      const { shifts, truncated } = this.#calendar.expand(now, new Date(t + ICAL_LIMITS.lookaheadMs + REEXPAND_MS));
      if (truncated) this.#log.warn({ host: this.#host, scanned: ICAL_LIMITS.maxOccurrencesScanned }, 'on-call calendar: expansion stopped at its bound; some recurring shifts are left out');
      this.#expanded = { from: t, shifts };
    }
    return this.#expanded.shifts.filter((s) => s.end > now);
  }

  /** Whether a good copy is loaded (it may be stale). */
  get loaded(): boolean {
    return this.#calendar !== undefined;
  }

  status(): IcalFeedStatus {
    if (this.#failure) return { state: 'stale', loadedAt: this.#loadedAt, failedAt: this.#failure.at, error: this.#failure.error };
    if (this.#loadedAt) return { state: 'fresh', loadedAt: this.#loadedAt };
    return { state: 'loading' };
  }

  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#closed.abort();
    await this.#inflight?.catch(() => undefined);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #load(): Promise<boolean> {
    if (this.#closed.signal.aborted) return false;
    try {
      const calendar = parseOnCallCalendar(await this.#fetch());
      // Expanding once here finds broken recurrences before they replace the last good copy.
      calendar.expand(this.#now(), new Date(this.#now().getTime() + ICAL_LIMITS.lookaheadMs));
      this.#calendar = calendar;
      this.#expanded = undefined;
      this.#loadedAt = this.#now();
      if (this.#failure) this.#log.info({ host: this.#host, events: calendar.events }, 'on-call calendar loaded again');
      this.#failure = undefined;
      if (calendar.skipped) this.#log.warn({ host: this.#host, skipped: calendar.skipped }, 'on-call calendar: events without a Discord id (<@id> in the title) are ignored');
      return true;
    } catch (err) {
      if (this.#closed.signal.aborted) return false;
      const error = (err as Error).message.slice(0, 500);
      this.#failure = { at: this.#now(), error };
      this.#log.warn({ host: this.#host, code: (err as { code?: unknown }).code, err: error, keeping: this.#loadedAt ? this.#loadedAt.toISOString() : 'ops.schedule only' }, 'on-call calendar not refreshed; keeping the last good schedule');
      return false;
    }
  }

  async #fetch(): Promise<string> {
    const signal = AbortSignal.any([this.#closed.signal, AbortSignal.timeout(this.#timeoutMs)]);
    let response: Response;
    try {
      response = await fetch(this.#url, { signal, headers: { accept: 'text/calendar, */*;q=0.5' }, redirect: 'follow' });
    } catch (err) {
      const timedOut = (err as Error).name === 'TimeoutError';
      throw failed(timedOut ? `no answer within ${this.#timeoutMs} ms` : `not reachable (${causeCode(err) ?? (err as Error).message})`, this.#host, err);
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw failed(`answered ${response.status}${response.status === 401 || response.status === 403 || response.status === 404 ? ' (is the address still valid? private calendar addresses change when reset)' : ''}`, this.#host);
    }
    const declared = Number(response.headers.get('content-length'));
    if (declared > ICAL_LIMITS.maxBytes) {
      await response.body?.cancel().catch(() => undefined);
      throw failed(`is ${declared} bytes (at most ${ICAL_LIMITS.maxBytes})`, this.#host);
    }
    // Read at most maxBytes whatever the headers say (a chunked body has no length).
    const chunks: Uint8Array[] = [];
    let size = 0;
    try {
      if (response.body) {
        for await (const chunk of response.body) {
          size += chunk.byteLength;
          if (size > ICAL_LIMITS.maxBytes) throw failed(`is larger than ${ICAL_LIMITS.maxBytes} bytes`, this.#host);
          chunks.push(chunk);
        }
      }
    } catch (err) {
      await response.body?.cancel().catch(() => undefined);
      if (err instanceof HelixError) throw err;
      throw failed((err as Error).name === 'TimeoutError' ? `no complete answer within ${this.#timeoutMs} ms` : `broke off (${(err as Error).message})`, this.#host, err);
    }
    return new TextDecoder('utf-8').decode(Buffer.concat(chunks));
  }
}

function failed(why: string, host: string, cause?: unknown): HelixError {
  return new HelixError('schedule_feed_failed', `The on-call calendar at ${host} ${why}. Kept the last good schedule; check ops.scheduleIcalUrl.`, cause === undefined ? undefined : { cause });
}

/** The URL's host, for logs: a calendar address often carries a secret in its path or query. */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(invalid URL)';
  }
}

function causeCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; typeof e === 'object' && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}
