/** Prometheus durations (`5m`, `1h30m`, `30d`): parse to milliseconds and format back. */

const UNITS = { y: 365 * 86_400_000, w: 7 * 86_400_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
type Unit = keyof typeof UNITS;
const SEGMENT = /(\d+)(ms|y|w|d|h|m|s)/g;

/** A duration Prometheus accepts: one or more `<integer><unit>` segments, largest unit first. */
export const DURATION_PATTERN = /^(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$/;

/** Milliseconds in a Prometheus duration, or `undefined` when the text is not one (or is zero). */
export function parseDuration(text: string): number | undefined {
  if (!text || !DURATION_PATTERN.test(text)) return undefined;
  let ms = 0;
  for (const [, n, unit] of text.matchAll(SEGMENT)) ms += Number(n) * UNITS[unit as Unit];
  return ms > 0 ? ms : undefined;
}

/** The shortest Prometheus duration for whole milliseconds (`3600000` → `1h`, `5400000` → `1h30m`). */
export function formatDuration(ms: number): string {
  if (!Number.isInteger(ms) || ms <= 0) throw new RangeError(`duration must be a positive whole number of milliseconds, got ${ms}`);
  let rest = ms;
  let out = '';
  for (const unit of ['d', 'h', 'm', 's', 'ms'] as const) {
    const size = UNITS[unit];
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out;
}

/** A duration for people: `2 d 4 h`, `35 m`, `12 s` (two largest units). */
export function humanDuration(ms: number): string {
  if (!Number.isFinite(ms)) return 'never';
  if (ms < 1_000) return 'under 1 s';
  const parts: string[] = [];
  let rest = Math.floor(ms);
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1_000]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)} ${unit}`);
      rest %= size;
    }
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}
