// iCalendar feeds for the on-call calendar tests, written the way Google Calendar and Outlook export them
// (CRLF lines, UTC times or a TZID with its VTIMEZONE, RRULE series with RECURRENCE-ID overrides).
export const ANN = '100000000000000001';
export const BEN = '100000000000000002';
export const CAT = '100000000000000003';

/** A VCALENDAR around `events` (each the lines of one VEVENT without BEGIN/END). */
export function calendar(events: string[][], extra: string[] = []): string {
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Helix tests//EN', 'X-WR-CALNAME:Primary on-call', ...extra, ...events.flatMap((e) => ['BEGIN:VEVENT', ...e, 'END:VEVENT']), 'END:VCALENDAR', ''].join('\r\n');
}

/**
 * A weekly rotation of Ann and Ben (alternate weeks, hand-off Monday 09:00 UTC, from Monday 2 Nov 2026): Ann's
 * series skips the week of 14 Dec (EXDATE), and Cat covers Ben's week of 7 Dec (an override of Ben's series).
 * An event without a Discord id ("Team offsite") is ignored.
 */
export const WEEKLY_ROTATION = calendar([
  ['UID:ann-weeks@helix.test', 'DTSTAMP:20261101T000000Z', 'DTSTART:20261102T090000Z', 'DTEND:20261109T090000Z', 'RRULE:FREQ=WEEKLY;INTERVAL=2', 'EXDATE:20261214T090000Z', `SUMMARY:On call: Ann <@${ANN}>`],
  ['UID:ben-weeks@helix.test', 'DTSTAMP:20261101T000000Z', 'DTSTART:20261109T090000Z', 'DTEND:20261116T090000Z', 'RRULE:FREQ=WEEKLY;INTERVAL=2', 'SUMMARY:Ben', `DESCRIPTION:Discord ${BEN}`],
  ['UID:ben-weeks@helix.test', 'DTSTAMP:20261101T000000Z', 'RECURRENCE-ID:20261207T090000Z', 'DTSTART:20261207T090000Z', 'DTEND:20261214T090000Z', `SUMMARY:Cat <@${CAT}> (covering Ben)`],
  ['UID:offsite@helix.test', 'DTSTAMP:20261101T000000Z', 'DTSTART:20261201T090000Z', 'DTEND:20261202T170000Z', 'SUMMARY:Team offsite'],
]);

/** Europe/Berlin as Google Calendar exports it. */
export const BERLIN = [
  'BEGIN:VTIMEZONE', 'TZID:Europe/Berlin',
  'BEGIN:STANDARD', 'DTSTART:19701025T030000', 'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU', 'TZOFFSETFROM:+0200', 'TZOFFSETTO:+0100', 'TZNAME:CET', 'END:STANDARD',
  'BEGIN:DAYLIGHT', 'DTSTART:19700329T020000', 'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU', 'TZOFFSETFROM:+0100', 'TZOFFSETTO:+0200', 'TZNAME:CEST', 'END:DAYLIGHT',
  'END:VTIMEZONE',
];
