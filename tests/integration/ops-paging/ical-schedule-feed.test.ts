// The on-call calendar (ops.scheduleIcalUrl) fetched from a local HTTP server: a weekly rotation with an override
// becomes a rotation for /oncall and escalation; a feed that breaks (bad text, 500, a hang, a flood) never takes
// ops down, keeps the last good schedule, logs a warning without the secret address, and /oncall says it is stale.
import { afterEach, describe, expect, test } from 'vitest';
import type { Logger } from '../../../mesh/index.ts';
import { OpsSection } from '../../../config/ops-section.ts';
import { IcalFeed } from '../../../ops/escalation/ical-feed.ts';
import { OnCallSchedule } from '../../../ops/escalation/on-call-schedule.ts';
import { eventually } from '../../helpers/mesh-harness.ts';
import { ANN, BEN, CAT, WEEKLY_ROTATION, calendar } from '../../fakes/paging/ical-feeds.ts';
import { type IcalServer, startIcalServer } from '../../fakes/paging/ical-server.ts';
import { startPagingRig, type PagingRig } from './paging-rig.ts';

const NOW = new Date('2026-11-30T10:00:00Z');
const FALLBACK_MEMBER = { discordId: '100000000000000009', name: 'Fallback Fay' };

/** A logger that keeps every line (level, fields, message) so tests can read warnings and check for secrets. */
function recordingLogger(): Logger & { lines: Array<{ level: string; fields: unknown; msg: unknown }> } {
  const lines: Array<{ level: string; fields: unknown; msg: unknown }> = [];
  const at = (level: string) => (fields: unknown, msg?: unknown) => void lines.push({ level, fields, msg });
  const log = { lines, trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), fatal: at('fatal'), child: () => log };
  return log as unknown as Logger & { lines: typeof lines };
}

const ops = OpsSection.parse({
  schedule: [
    // Same name as the feed's rotation: the fallback until the calendar first loads.
    { name: 'primary', start: '2026-01-01T00:00:00Z', shiftHours: 24, members: [FALLBACK_MEMBER] },
    { name: 'db', team: 'db', start: '2026-01-01T00:00:00Z', shiftHours: 24, members: [{ discordId: BEN, name: 'Ben', pageTo: '+15550002222' }] },
    // Cat is only in the calendar's rotation; this entry lends her a pageTo.
    { name: 'directory', team: 'nobody', start: '2026-01-01T00:00:00Z', shiftHours: 24, members: [{ discordId: CAT, name: 'Cat', pageTo: '+15550003333' }] },
  ],
});

let server: IcalServer | undefined;
let feed: IcalFeed | undefined;
let rig: PagingRig | undefined;
afterEach(async () => {
  await feed?.close();
  await server?.close();
  await rig?.close();
  feed = server = rig = undefined;
});

async function startFeed(first: Parameters<typeof startIcalServer>[0], opts: { refreshMs?: number; timeoutMs?: number } = {}) {
  server = await startIcalServer(first);
  const log = recordingLogger();
  feed = new IcalFeed({ url: server.url, refreshMs: opts.refreshMs ?? 3_600_000, timeoutMs: opts.timeoutMs ?? 2_000, log, now: () => NOW });
  await feed.start();
  return { log, schedule: new OnCallSchedule({ rotations: ops.schedule, feed, feedRotation: 'primary' }) };
}

const rotations = (s: OnCallSchedule, team?: string) => s.at(NOW, team).map((o) => [o.rotation, o.current?.discordId, o.next?.discordId]);

describe('on-call schedule from an iCal feed', () => {
  test('GIVEN a weekly rotation feed THEN its shift replaces the same-name config rotation, other rotations stay, and /oncall shows the hand-off', async () => {
    const { schedule, log } = await startFeed({ kind: 'ics', body: WEEKLY_ROTATION });
    expect(rotations(schedule, 'db')).toEqual([['primary', ANN, CAT], ['db', BEN, BEN]]);
    expect(feed!.status()).toEqual({ state: 'fresh', loadedAt: NOW });
    const text = schedule.describe(NOW);
    expect(text).toContain(`**primary**: <@${ANN}> (On call: Ann) until <t:${Date.parse('2026-12-07T09:00:00Z') / 1_000}:f>, then <@${CAT}> (Cat (covering Ben))`);
    expect(text).not.toMatch(/stale|not loaded/);
    expect(schedule.pageToOf([CAT, ANN])).toEqual(['+15550003333']);
    expect(log.lines.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual(['on-call calendar: events without a Discord id (<@id> in the title) are ignored']);
  });

  test.each([
    ['HTML instead of a calendar', { kind: 'ics' as const, body: '<html><body>Sign in to Calendar</body></html>' }, /not iCalendar/],
    ['a 500', { kind: 'ics' as const, body: 'oops', status: 500 }, /answered 500/],
    ['a 404 (the private address was reset)', { kind: 'ics' as const, body: 'gone', status: 404 }, /answered 404 \(is the address still valid/],
    ['a server that hangs past the timeout', { kind: 'hang' as const, ms: 5_000 }, /no (complete )?answer within 500 ms/],
    ['a body that never ends', { kind: 'flood' as const }, /larger than 2097152 bytes/],
  ])('GIVEN the feed turns into %s THEN the last good schedule stays, a warning is logged without the address, and /oncall says it is stale', async (_name, bad, reason) => {
    const { schedule, log } = await startFeed({ kind: 'ics', body: WEEKLY_ROTATION }, { timeoutMs: 500 });
    server!.serve(bad);
    expect(await feed!.refresh()).toBe(false);
    expect(rotations(schedule)[0]).toEqual(['primary', ANN, CAT]);
    const status = feed!.status();
    expect(status).toMatchObject({ state: 'stale', loadedAt: NOW, failedAt: NOW });
    expect(status.state === 'stale' && status.error).toMatch(reason);
    expect(schedule.describe(NOW)).toMatch(/⚠️ The on-call calendar is stale: the last fetch failed .* Showing its copy from <t:\d+:R>\./);
    const warning = log.lines.find((l) => l.level === 'warn' && String(l.msg).includes('not refreshed'));
    expect(warning?.fields).toMatchObject({ host: expect.stringMatching(/^127\.0\.0\.1:\d+$/), code: 'schedule_feed_failed' });
    expect(JSON.stringify(log.lines)).not.toContain(server!.token);
    expect(JSON.stringify(log.lines)).not.toContain('/calendar/');

    // The feed recovers: the next refresh loads it and the stale note goes away.
    server!.serve({ kind: 'ics', body: WEEKLY_ROTATION });
    expect(await feed!.refresh()).toBe(true);
    expect(feed!.status().state).toBe('fresh');
    expect(schedule.describe(NOW)).not.toContain('stale');
  }, 30_000);

  test('GIVEN a feed that is bad from the start THEN the config rotation of the same name is the fallback and /oncall says the calendar never loaded', async () => {
    const { schedule } = await startFeed({ kind: 'ics', body: 'BEGIN:VCARD\r\nEND:VCARD\r\n' });
    expect(rotations(schedule).map((r) => r[0])).toEqual(['primary', 'db', 'directory']);
    expect(rotations(schedule)[0]).toEqual(['primary', FALLBACK_MEMBER.discordId, FALLBACK_MEMBER.discordId]);
    expect(schedule.describe(NOW)).toMatch(/⚠️ The on-call calendar is stale: .*root is VCARD.*Showing ops\.schedule only \(it never loaded\)\./);
  });

  test('GIVEN a refresh interval THEN a changed feed is picked up by the timer, and close() stops it', async () => {
    const { schedule } = await startFeed({ kind: 'ics', body: WEEKLY_ROTATION }, { refreshMs: 100 });
    server!.serve({ kind: 'ics', body: calendar([['UID:ben@helix.test', 'DTSTART:20261130T000000Z', 'DTEND:20261201T000000Z', `SUMMARY:Ben <@${BEN}>`]]) });
    await eventually(() => schedule.at(NOW)[0]?.current?.discordId === BEN, 5_000, 'the refreshed calendar');
    await feed!.close();
    await feed!.close();
    const seen = server!.requests;
    await new Promise((r) => setTimeout(r, 300));
    expect(server!.requests).toBe(seen);
  });

  test('GIVEN the calendar puts Cat on call now WHEN an incident escalates THEN Cat is paged at the pageTo her config entry lends, and /oncall names her', async () => {
    const now = Date.now();
    const ical = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    server = await startIcalServer({
      kind: 'ics',
      body: calendar([
        ['UID:cat-now@helix.test', `DTSTART:${ical(now - 3_600_000)}`, `DTEND:${ical(now + 3_600_000)}`, `SUMMARY:Cat <@${CAT}>`],
        ['UID:ann-next@helix.test', `DTSTART:${ical(now + 3_600_000)}`, `DTEND:${ical(now + 7_200_000)}`, `SUMMARY:Ann <@${ANN}>`],
      ]),
    });
    feed = new IcalFeed({ url: server.url, log: recordingLogger() });
    await feed.start();
    rig = await startPagingRig({ pagers: ['twilio'], schedule: (o) => new OnCallSchedule({ rotations: [...o.schedule, ...ops.schedule.slice(2)], feed, feedRotation: 'calendar' }) });
    const incident = await rig.open('Calendar');
    await rig.escalateToPage(incident);
    expect(rig.notices[0]).toContain(`<@${CAT}>`);
    expect(rig.notices[1]).toContain(`<@${ANN}>`);
    expect(rig.twilio.messages.map((m) => m.to)).toContain('+15550003333');
    expect(await rig.oncall()).toMatch(new RegExp(`\\*\\*calendar\\*\\*: <@${CAT}> \\(Cat\\) until <t:\\d+:f>, then <@${ANN}> \\(Ann\\)`));
  }, 60_000);
});
