import { describe, expect, test } from 'vitest';
import { OpsSection } from '../../../config/ops-section.ts';
import { ICAL_LIMITS, memberOf, parseOnCallCalendar } from '../../../ops/escalation/ical-schedule.ts';
import { describeOnCall, onCallFromShifts } from '../../../ops/escalation/schedule.ts';
import { ANN, BEN, BERLIN, CAT, WEEKLY_ROTATION, calendar } from '../../fakes/paging/ical-feeds.ts';

const at = (iso: string) => new Date(iso);
const window = (from: string, days = 35) => ({ from: at(from), to: new Date(at(from).getTime() + days * 86_400_000) });
const onCall = (text: string, now: string) => {
  const { from, to } = window(now);
  return onCallFromShifts('primary', parseOnCallCalendar(text).expand(from, to).shifts, from);
};

describe('memberOf: who an event puts on call', () => {
  test.each([
    ['Ann <@100000000000000001>', undefined, { discordId: ANN, name: 'Ann' }],
    ['On call: <@!100000000000000001>', undefined, { discordId: ANN, name: 'On call' }],
    ['100000000000000002', undefined, { discordId: BEN, name: `<@${BEN}>` }],
    ['Ben', `Discord: ${BEN}\nphone +15551234567`, { discordId: BEN, name: 'Ben' }],
    ['Ben +15551234567', 'call 12345678901234', undefined],
    ['Team offsite', undefined, undefined],
  ])('GIVEN SUMMARY %j and DESCRIPTION %j THEN %j', (summary, description, expected) => {
    expect(memberOf(summary, description)).toEqual(expected);
  });
});

describe('parseOnCallCalendar: a weekly rotation from an iCal feed', () => {
  test('GIVEN alternating weekly series THEN the holder changes every Monday 09:00 UTC and the next is the other one', () => {
    const cal = parseOnCallCalendar(WEEKLY_ROTATION);
    expect(cal).toMatchObject({ name: 'Primary on-call', events: 2, skipped: 1 });
    expect(onCall(WEEKLY_ROTATION, '2026-11-16T10:00:00Z')).toEqual({ rotation: 'primary', current: { discordId: ANN, name: 'On call: Ann' }, next: { discordId: BEN, name: 'Ben' }, handoffAt: at('2026-11-23T09:00:00Z') });
    expect(onCall(WEEKLY_ROTATION, '2026-11-23T09:00:00Z')).toMatchObject({ current: { discordId: BEN }, next: { discordId: ANN }, handoffAt: at('2026-11-30T09:00:00Z') });
  });

  test('GIVEN an override of one occurrence (RECURRENCE-ID) THEN that week is the cover’s, and it shows as next', () => {
    expect(onCall(WEEKLY_ROTATION, '2026-11-30T10:00:00Z')).toMatchObject({ current: { discordId: ANN }, next: { discordId: CAT, name: 'Cat (covering Ben)' }, handoffAt: at('2026-12-07T09:00:00Z') });
    expect(onCall(WEEKLY_ROTATION, '2026-12-08T00:00:00Z')).toMatchObject({ current: { discordId: CAT }, handoffAt: at('2026-12-14T09:00:00Z') });
  });

  test('GIVEN an EXDATE THEN that week is a gap: nobody now, Ben next at his hand-off', () => {
    const gap = onCall(WEEKLY_ROTATION, '2026-12-15T00:00:00Z');
    expect(gap).toMatchObject({ current: undefined, next: { discordId: BEN }, handoffAt: at('2026-12-21T09:00:00Z') });
    expect(describeOnCall([gap])).toBe(`**primary**: nobody on call until <t:${Date.parse('2026-12-21T09:00:00Z') / 1_000}:f>, then <@${BEN}> (Ben)`);
  });

  test('GIVEN a series that started years ago THEN today’s occurrence is still found', () => {
    const old = calendar([['UID:daily@helix.test', 'DTSTART:20160101T080000Z', 'DTEND:20160102T080000Z', 'RRULE:FREQ=DAILY', `SUMMARY:<@${ANN}>`]]);
    // Ann holds every day: nobody else within the look-ahead, so no next person.
    expect(onCall(old, '2026-11-30T10:00:00Z')).toMatchObject({ current: { discordId: ANN }, next: undefined });
  });

  test('GIVEN a TZID with its VTIMEZONE THEN local hand-off times are converted (09:00 Berlin = 08:00 UTC in winter)', () => {
    const tz = calendar([
      ['UID:a@helix.test', 'DTSTART;TZID=Europe/Berlin:20261130T090000', 'DTEND;TZID=Europe/Berlin:20261201T090000', `SUMMARY:Ann <@${ANN}>`],
      ['UID:b@helix.test', 'DTSTART;TZID=Europe/Berlin:20261201T090000', 'DTEND;TZID=Europe/Berlin:20261202T090000', `SUMMARY:Ben <@${BEN}>`],
    ], BERLIN);
    expect(onCall(tz, '2026-11-30T12:00:00Z')).toMatchObject({ current: { discordId: ANN }, next: { discordId: BEN }, handoffAt: at('2026-12-01T08:00:00Z') });
  });

  test('GIVEN an override shift on top of the regular one THEN the later-starting shift holds it, and the regular holder is back after it', () => {
    const text = calendar([
      ['UID:week@helix.test', 'DTSTART:20261130T090000Z', 'DTEND:20261207T090000Z', `SUMMARY:Ann <@${ANN}>`],
      ['UID:swap@helix.test', 'DTSTART:20261201T120000Z', 'DTEND:20261201T180000Z', `SUMMARY:Cat <@${CAT}>`],
      ['UID:gone@helix.test', 'DTSTART:20261202T000000Z', 'DTEND:20261203T000000Z', 'STATUS:CANCELLED', `SUMMARY:Ben <@${BEN}>`],
    ]);
    expect(onCall(text, '2026-12-01T10:00:00Z')).toMatchObject({ current: { discordId: ANN }, next: { discordId: CAT }, handoffAt: at('2026-12-01T12:00:00Z') });
    expect(onCall(text, '2026-12-01T13:00:00Z')).toMatchObject({ current: { discordId: CAT }, next: { discordId: ANN }, handoffAt: at('2026-12-01T18:00:00Z') });
    expect(onCall(text, '2026-12-02T10:00:00Z')).toMatchObject({ current: { discordId: ANN }, next: undefined, handoffAt: at('2026-12-07T09:00:00Z') });
  });
});

describe('parseOnCallCalendar: bad feeds', () => {
  test.each([
    ['HTML (a login page)', '<!doctype html><html><body>Sign in</body></html>', /not iCalendar/],
    ['a vCard', 'BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Ann\r\nEND:VCARD\r\n', /root is VCARD/],
    ['too many events', calendar(Array.from({ length: ICAL_LIMITS.maxEvents + 1 }, (_, i) => [`UID:${i}`, 'DTSTART:20261130T090000Z', `SUMMARY:<@${ANN}>`])), /5001 events/],
    ['a broken date', calendar([['UID:x', 'DTSTART:2026-11-30', `SUMMARY:<@${ANN}>`]]), /not iCalendar|is broken/],
  ])('GIVEN %s THEN schedule_feed_failed says what is wrong', (_name, text, reason) => {
    let err: unknown;
    try {
      parseOnCallCalendar(text).expand(at('2026-11-30T00:00:00Z'), at('2026-12-30T00:00:00Z'));
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ name: 'HelixError', code: 'schedule_feed_failed' });
    expect((err as Error).message).toMatch(reason);
  });
});

describe('ops.scheduleIcal* config', () => {
  test('GIVEN no calendar keys THEN no feed, with rotation "calendar", a 300 s refresh and a 10 s timeout', () => {
    expect(OpsSection.parse({}).scheduleIcalUrl).toBeUndefined();
    expect(OpsSection.parse({})).toMatchObject({ scheduleIcalRotation: 'calendar', scheduleIcalRefreshSec: 300, scheduleIcalTimeoutMs: 10_000 });
  });
  test.each([
    ['file:///etc/passwd', false],
    ['webcal://calendar.example.com/x.ics', false],
    ['https://calendar.google.com/calendar/ical/x/private-abc/basic.ics', true],
  ])('GIVEN scheduleIcalUrl %s THEN valid is %s (http(s) only)', (url, ok) => {
    expect(OpsSection.safeParse({ scheduleIcalUrl: url }).success).toBe(ok);
  });
  test('GIVEN a refresh below 30 s THEN the config is refused', () => {
    expect(OpsSection.safeParse({ scheduleIcalRefreshSec: 5 }).success).toBe(false);
  });
});
