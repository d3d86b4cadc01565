// A page that failed (a transport down past its own retries) is sent again later through the transports that
// failed, to whoever does not have it yet, while the incident stays unacknowledged; a refusal is not retried.
// The escalator's delayed jobs are captured by the rig and fired by hand (their delays are checked instead).
import { afterEach, describe, expect, test } from 'vitest';
import type { Incident } from '../../../ops/incidents/incident.ts';
import { ALICE, BOB, CAROL, startPagingRig, twoPhones, type PagingRig } from './paging-rig.ts';

let rig: PagingRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const TWILIO_DOWN = { status: 503, body: { code: 20503, message: 'Service unavailable', status: 503 } };

/** The page-retry jobs armed so far. */
const pageRetries = (r: PagingRig) => r.timers.filter((t) => t.data.kind === 'page-retry');
/** Fires the newest page retry, as the ops-timers worker would once its delay is over. */
const fireLastRetry = async (r: PagingRig) => r.escalator.onTimer(pageRetries(r).at(-1)!.data);
const details = async (r: PagingRig, incident: Incident, kind: string) => (await r.incidents.timeline(incident.id, 1_000)).filter((t) => t.kind === kind).map((t) => t.detail);

describe('retrying a page that failed', () => {
  test('GIVEN Twilio down when the page goes out THEN SMS alone is tried again a minute later, and the texted number later hears the resolve', async () => {
    rig = await startPagingRig();
    const incident = await rig.open('TwilioDown');
    rig.twilio.failNext(TWILIO_DOWN);
    await rig.escalateToPage(incident);
    expect(rig.twilio.messages).toHaveLength(0);
    expect(pageRetries(rig).map((t) => [t.data.page, t.delayMs])).toEqual([[{ attempt: 1, transports: ['twilio'], alreadySent: { twilio: [] } }, 60_000]]);
    expect(await details(rig, incident, 'page_retry')).toEqual(['paging again through twilio in 60 s (retry 1 of 5)']);

    expect(await fireLastRetry(rig)).toBe('page_retry');
    expect(rig.twilio.messages.map((m) => m.to)).toEqual([ALICE.pageTo]);
    expect(rig.pd.events).toHaveLength(1);
    expect(rig.smtp.mails.map((m) => m.to)).toEqual([[BOB.pageTo]]);
    expect(await details(rig, incident, 'paged')).toContain(`paged through twilio for <@${ALICE.discordId}>, <@${BOB.discordId}>`);
    expect(pageRetries(rig)).toHaveLength(1);

    await rig.resolveAlerts('TwilioDown');
    expect(rig.twilio.messages.map((m) => [m.to, m.body.split(' ')[1]])).toEqual([[ALICE.pageTo, 'CRITICAL]'], [ALICE.pageTo, 'RESOLVED]']]);
    // What on-call alerts on: the failed page is counted, then the retry that went through, then each resolve.
    expect(await rig.pagesCounted()).toEqual({
      'pagerduty trigger sent': 1, 'email trigger sent': 1, 'twilio trigger failed': 1, 'twilio trigger sent': 1,
      'pagerduty resolve sent': 1, 'twilio resolve sent': 1, 'email resolve sent': 1,
    });
  }, 60_000);

  test('GIVEN an SMS page that reached one of two numbers THEN the retry texts only the other', async () => {
    rig = await startPagingRig({ pagers: ['twilio'], schedule: twoPhones });
    const incident = await rig.open('HalfTexted');
    rig.twilio.failNext(TWILIO_DOWN);
    await rig.escalateToPage(incident);
    expect(rig.twilio.messages.map((m) => m.to)).toEqual([CAROL.pageTo]);
    expect(pageRetries(rig).map((t) => t.data.page)).toEqual([{ attempt: 1, transports: ['twilio'], alreadySent: { twilio: ['…2222'] } }]);
    expect(await rig.pagesCounted()).toEqual({ 'twilio trigger partly_sent': 1 });

    await fireLastRetry(rig);
    expect(rig.twilio.messages.map((m) => m.to)).toEqual([CAROL.pageTo, ALICE.pageTo]);
    expect(pageRetries(rig)).toHaveLength(1);
  }, 60_000);

  test('GIVEN Twilio down on every try THEN each try waits twice as long, and after the last the timeline says to page by hand', async () => {
    rig = await startPagingRig({ pagers: ['twilio'], ops: { pageRetrySec: 30, pageRetries: 2 } });
    const incident = await rig.open('StillDown');
    rig.twilio.failNext(TWILIO_DOWN, 3);
    await rig.escalateToPage(incident);
    await fireLastRetry(rig);
    await fireLastRetry(rig);
    expect(pageRetries(rig).map((t) => [t.data.page?.attempt, t.delayMs])).toEqual([[1, 30_000], [2, 60_000]]);
    expect(rig.twilio.messages).toHaveLength(0);
    expect(await details(rig, incident, 'page_retry')).toEqual([
      'paging again through twilio in 30 s (retry 1 of 2)',
      'paging again through twilio in 60 s (retry 2 of 2)',
      'no more tries of the page through twilio: 2 retries failed (see page_failed); page by hand',
    ]);
    expect(await details(rig, incident, 'page_failed')).toHaveLength(3);
  }, 60_000);

  test('GIVEN Twilio rate limiting with Retry-After 300 THEN the retry waits those 300 s, not the usual minute', async () => {
    rig = await startPagingRig({ pagers: ['twilio'] });
    const incident = await rig.open('RateLimited');
    rig.twilio.failNext({ status: 429, headers: { 'retry-after': '300' }, body: { code: 20429, message: 'Too Many Requests', status: 429 } });
    await rig.escalateToPage(incident);
    expect(pageRetries(rig).map((t) => t.delayMs)).toEqual([300_000]);
    expect(await details(rig, incident, 'page_retry')).toEqual(['paging again through twilio in 300 s (retry 1 of 5)']);
  }, 60_000);

  test('GIVEN the incident resolved before the retry is due THEN the retry sends nothing', async () => {
    rig = await startPagingRig({ pagers: ['twilio'] });
    const incident = await rig.open('GoneAway');
    rig.twilio.failNext(TWILIO_DOWN);
    await rig.escalateToPage(incident);
    await rig.resolveAlerts('GoneAway');
    expect(await fireLastRetry(rig)).toBe('stale');
    expect(rig.twilio.messages).toHaveLength(0);
  }, 60_000);

  test('GIVEN Twilio refuses the page (wrong token) THEN no retry is armed: sending again cannot help', async () => {
    rig = await startPagingRig({ pagers: ['twilio', 'email'], twilioToken: 'wrong-token-0123456789' });
    const incident = await rig.open('Refused');
    await rig.escalateToPage(incident);
    expect(await details(rig, incident, 'page_failed')).toEqual([expect.stringMatching(/^twilio: /)]);
    expect(pageRetries(rig)).toHaveLength(0);
    expect(await rig.pagesCounted()).toEqual({ 'twilio trigger refused': 1, 'email trigger sent': 1 });
    expect(await details(rig, incident, 'page_retry')).toEqual([]);
  }, 60_000);
});
