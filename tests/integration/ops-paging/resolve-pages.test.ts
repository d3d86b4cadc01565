// A paged incident that resolves (every alert resolving, or from chat) sends the resolve to each transport that
// paged it, exactly once: PagerDuty `resolve` with the page's dedup key, a "[Helix resolved]" mail in the page's
// thread, a short "[Helix RESOLVED]" text to whoever was texted. The incident timeline is the record.
import { afterEach, describe, expect, test } from 'vitest';
import { OnCallSchedule } from '../../../ops/escalation/on-call-schedule.ts';
import { pagedTransports } from '../../../ops/escalation/page-record.ts';
import { ALICE, BOB, CAROL, startPagingRig, twoPhones, type PagingRig } from './paging-rig.ts';

let rig: PagingRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

/** SMS only, Alice and Carol (both phones) on call: a page texts two numbers. */
const startTwoPhonesRig = () => startPagingRig({ pagers: ['twilio'], schedule: twoPhones });

/** Dave, on call beside Bob with an address of his own. */
const DAVE = { discordId: '100000000000000004', name: 'Dave', pageTo: 'dave@example.com' };
/** E-mail only, Dave and Bob (both addresses) on call: a page mails two addresses. */
const startTwoAddressesRig = () =>
  startPagingRig({ pagers: ['email'], schedule: (o) => new OnCallSchedule({ rotations: [{ ...o.schedule[0]!, members: [DAVE] }, o.schedule[1]!] }) });

/** Subjects, with folded header lines joined. */
const subjects = (r: PagingRig) => r.smtp.mails.map((m) => /^Subject: (.*)$/m.exec(m.raw.replace(/\r?\n[ \t]+/g, ' '))?.[1] ?? '');

describe('resolving pages', () => {
  test('GIVEN an incident paged through PagerDuty, SMS and e-mail WHEN every alert resolves THEN each transport gets the resolve once, to the same dedup key, number and thread', async () => {
    rig = await startPagingRig();
    const incident = await rig.open('DiskFull');
    await rig.escalateToPage(incident);
    expect(rig.pd.events.map((e) => e.event_action)).toEqual(['trigger']);
    expect(rig.twilio.messages.map((m) => m.to)).toEqual([ALICE.pageTo]);
    expect(rig.smtp.mails.map((m) => m.to)).toEqual([[BOB.pageTo]]);
    const dedupKey = rig.pd.events[0]!.dedup_key;

    await rig.resolveAlerts('DiskFull');

    expect(rig.pd.events.map((e) => [e.event_action, e.dedup_key])).toEqual([['trigger', dedupKey], ['resolve', dedupKey]]);
    expect(rig.twilio.messages.map((m) => [m.to, m.body.split(' ')[0]])).toEqual([[ALICE.pageTo, '[Helix'], [ALICE.pageTo, '[Helix']]);
    expect(rig.twilio.messages[1]!.body).toMatch(/^\[Helix RESOLVED\] \[critical\] .*\(every alert resolved\)/);
    expect(rig.smtp.mails.map((m) => m.to)).toEqual([[BOB.pageTo], [BOB.pageTo]]);
    expect(subjects(rig)[1]).toMatch(/^\[Helix resolved\] /);
    const thread = /^References: (<[^>]+>)/m.exec(rig.smtp.mails[0]!.raw)?.[1];
    expect(thread).toBe(`<${dedupKey}@helix>`);
    expect(rig.smtp.mails[1]!.raw).toMatch(new RegExp(`^In-Reply-To: ${thread}`, 'm'));
    const kinds = await rig.timelineKinds(incident.id);
    expect(kinds.filter((k) => k === 'page_resolved')).toHaveLength(3);
    expect(rig.published).toContain(incident.id);

    // Alertmanager re-sends the resolved notification (a redelivery, or the retried job): nothing goes out again.
    await rig.resolveAlerts('DiskFull');
    expect(rig.pd.events).toHaveLength(2);
    expect(rig.twilio.messages).toHaveLength(2);
    expect(rig.smtp.mails).toHaveLength(2);
  }, 60_000);

  test('GIVEN an incident that was never paged WHEN it resolves THEN no transport hears anything', async () => {
    rig = await startPagingRig();
    const incident = await rig.open('Quiet');
    await rig.resolveAlerts('Quiet');
    expect((await rig.incidents.get(incident.id))?.state).toBe('resolved');
    expect(rig.pd.requests).toHaveLength(0);
    expect(rig.twilio.requests).toHaveLength(0);
    expect(rig.smtp.attempts).toBe(0);
    expect(await rig.timelineKinds(incident.id)).not.toContain('page_resolved');
  }, 60_000);

  test('GIVEN PagerDuty fails the resolve WHEN the job is retried THEN only PagerDuty is sent again, and once it takes it nothing more goes out', async () => {
    rig = await startPagingRig();
    const incident = await rig.open('Flaky');
    await rig.escalateToPage(incident);
    rig.pd.failNext({ status: 500, body: { status: 'error', message: 'internal' } });

    const err = await rig.resolveAlerts('Flaky').catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'HelixError', code: 'page_failed' });
    expect((err as Error).message).toMatch(/did not go through pagerduty .*500: internal.*The job is retried/);
    expect(rig.twilio.messages).toHaveLength(2);
    expect(rig.smtp.mails).toHaveLength(2);
    expect(await rig.timelineKinds(incident.id)).toContain('page_resolve_failed');

    // The queue retries the same notification: PagerDuty gets its resolve; SMS and e-mail are not repeated.
    await rig.resolveAlerts('Flaky');
    expect(rig.pd.events.map((e) => e.event_action)).toEqual(['trigger', 'resolve']);
    expect(rig.twilio.messages).toHaveLength(2);
    expect(rig.smtp.mails).toHaveLength(2);
    await rig.resolveAlerts('Flaky');
    expect(rig.pd.requests).toHaveLength(3);
    const kinds = await rig.timelineKinds(incident.id);
    expect(kinds.filter((k) => k === 'page_resolved')).toHaveLength(3);
    expect(kinds.filter((k) => k === 'page_resolve_failed')).toHaveLength(1);
  }, 60_000);

  test('GIVEN PagerDuty refuses the resolve (its routing key changed) THEN the others still resolve, the error is page_refused (not retried) and the timeline says to resolve it by hand', async () => {
    rig = await startPagingRig();
    const incident = await rig.open('KeyRotated');
    await rig.escalateToPage(incident);
    rig.pd.failNext({ status: 400, body: { status: 'invalid event', message: 'Event object is invalid', errors: ['Invalid routing key'] } });

    const err = await rig.resolveAlerts('KeyRotated').catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'HelixError', code: 'page_refused' });
    expect((err as Error).message).toMatch(/pagerduty refused the resolve .*400: Event object is invalid Invalid routing key.*resolve the page there by hand/);
    expect(rig.twilio.messages).toHaveLength(2);
    expect(rig.smtp.mails).toHaveLength(2);
    const failed = (await rig.incidents.timeline(incident.id)).filter((t) => t.kind === 'page_resolve_failed');
    expect(failed.map((t) => t.detail)).toEqual([expect.stringMatching(/^pagerduty: .*refused \(400.*Helix does not retry a refused resolve: fix paging\.pagerduty and resolve the page in pagerduty by hand\.$/)]);
  }, 60_000);

  test('GIVEN PagerDuty refuses and e-mail fails the resolve THEN the error is page_failed: the job is retried for the e-mail', async () => {
    rig = await startPagingRig({ pagers: ['pagerduty', 'email'] });
    const incident = await rig.open('Mixed');
    await rig.escalateToPage(incident);
    rig.pd.failNext({ status: 400, body: { status: 'invalid event', message: 'Event object is invalid', errors: ['Invalid routing key'] } });
    rig.smtp.failNext(550, 'Mailbox unavailable');
    const err = await rig.resolveAlerts('Mixed').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'page_failed' });
    expect((err as Error).message).toMatch(/did not go through pagerduty, email .*The job is retried/);
  }, 60_000);

  test('GIVEN the SMS page itself failed WHEN the incident resolves THEN only the transports that paged get a resolve (no SMS)', async () => {
    rig = await startPagingRig({ twilioToken: 'wrong-token-0123456789' });
    const incident = await rig.open('NoSms');
    await rig.escalateToPage(incident);
    expect(rig.twilio.messages).toHaveLength(0);
    expect([...pagedTransports(await rig.incidents.timeline(incident.id)).keys()]).toEqual(['pagerduty', 'email']);
    const requestsBefore = rig.twilio.requests.length;

    await rig.resolveAlerts('NoSms');
    expect(rig.pd.events.map((e) => e.event_action)).toEqual(['trigger', 'resolve']);
    expect(subjects(rig).map((s) => s.startsWith('[Helix resolved]'))).toEqual([false, true]);
    expect(rig.twilio.requests).toHaveLength(requestsBefore);
  }, 60_000);

  test('GIVEN a paged incident WHEN on-call resolves it from chat (and the job is retried) THEN the resolve goes out once and the answer says so', async () => {
    rig = await startPagingRig({ pagers: ['pagerduty', 'email'] });
    const incident = await rig.open('FromChat');
    await rig.escalateToPage(incident);

    expect(await rig.resolveFromChat(incident)).toBe('resolve');
    expect(rig.pd.events.map((e) => e.event_action)).toEqual(['trigger', 'resolve']);
    expect(subjects(rig)[1]).toMatch(/^\[Helix resolved\] \[critical\] .*\(resolved by Alice\)/);
    expect(rig.answers.at(-1)).toMatch(/You resolved .* The page is resolved \(pagerduty, email\)\./);

    expect(await rig.resolveFromChat(incident)).toBe('resolve');
    expect(rig.pd.events).toHaveLength(2);
    expect(rig.smtp.mails).toHaveLength(2);
    expect(rig.answers).toHaveLength(1);
  }, 60_000);

  test('GIVEN PagerDuty refuses the resolve from chat THEN the answer says to resolve the page there by hand and the error is page_refused', async () => {
    rig = await startPagingRig({ pagers: ['pagerduty', 'email'] });
    const incident = await rig.open('ChatRefused');
    await rig.escalateToPage(incident);
    rig.pd.failNext({ status: 401, body: { status: 'unauthorized', message: 'Unauthorized' } });
    const err = await rig.resolveFromChat(incident).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'page_refused' });
    expect(rig.answers.at(-1)).toMatch(/^You resolved \S+\. The page is resolved \(email\)\. The paging service refused the resolve \(see the incident timeline\): resolve the page there by hand\.$/);
    expect(subjects(rig).map((s) => s.startsWith('[Helix resolved]'))).toEqual([false, true]);
  }, 60_000);

  test('GIVEN e-mail fails the resolve from chat THEN the action job fails (to be retried), PagerDuty is not re-sent, and the retry mails once', async () => {
    rig = await startPagingRig({ pagers: ['pagerduty', 'email'] });
    const incident = await rig.open('ChatRetry');
    await rig.escalateToPage(incident);
    rig.smtp.failNext(550, 'Mailbox unavailable');

    const err = await rig.resolveFromChat(incident).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'page_failed' });
    expect(rig.answers.at(-1)).toMatch(/ The page is resolved \(pagerduty\)\. Resolving the page did not go through everywhere yet; I keep trying/);
    expect(rig.pd.events.map((e) => e.event_action)).toEqual(['trigger', 'resolve']);
    expect(rig.smtp.mails).toHaveLength(1);

    expect(await rig.resolveFromChat(incident)).toBe('resolve');
    expect(rig.pd.events).toHaveLength(2);
    expect(subjects(rig).map((s) => s.startsWith('[Helix resolved]'))).toEqual([false, true]);
  }, 60_000);

  test('GIVEN an SMS resolve that reached one of two numbers WHEN the job is retried THEN only the number still missing is texted, and the timeline names the one texted (masked)', async () => {
    rig = await startTwoPhonesRig();
    const incident = await rig.open('TwoPhones');
    await rig.escalateToPage(incident);
    expect(rig.twilio.messages.map((m) => m.to)).toEqual([ALICE.pageTo, CAROL.pageTo]);
    rig.twilio.failNext({ status: 503, body: { code: 20503, message: 'Service unavailable', status: 503 } });

    const err = await rig.resolveAlerts('TwoPhones').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'page_failed' });
    expect((err as Error).message).toMatch(/\(1 of 2 numbers were paged\)/);
    expect(rig.twilio.messages.slice(2).map((m) => m.to)).toEqual([CAROL.pageTo]);
    const partly = (await rig.incidents.timeline(incident.id)).filter((t) => t.kind === 'page_resolved_partly');
    expect(partly.map((t) => t.detail)).toEqual(['resolve sent through twilio to …2222']);

    // The retry texts Alice only; once every number has it, nothing more goes out.
    await rig.resolveAlerts('TwoPhones');
    expect(rig.twilio.messages.slice(2).map((m) => [m.to, m.body.split(' ')[1]])).toEqual([[CAROL.pageTo, 'RESOLVED]'], [ALICE.pageTo, 'RESOLVED]']]);
    await rig.resolveAlerts('TwoPhones');
    expect(rig.twilio.messages).toHaveLength(4);
    expect((await rig.timelineKinds(incident.id)).filter((k) => k === 'page_resolved')).toHaveLength(1);
  }, 60_000);

  test('GIVEN an SMS page that reached one of two numbers WHEN the incident resolves THEN the one texted hears the resolve, and the other (never paged) does not', async () => {
    rig = await startTwoPhonesRig();
    const incident = await rig.open('HalfPaged');
    rig.twilio.failNext({ status: 503, body: { code: 20503, message: 'Service unavailable', status: 503 } });
    await rig.escalateToPage(incident);
    expect(rig.twilio.messages.map((m) => m.to)).toEqual([CAROL.pageTo]);
    const timeline = await rig.incidents.timeline(incident.id);
    expect(timeline.filter((t) => t.kind === 'paged').map((t) => t.detail)).toEqual([`paged through twilio for <@${CAROL.discordId}>`]);
    expect(timeline.filter((t) => t.kind === 'page_failed').map((t) => t.detail)).toEqual([expect.stringMatching(/^twilio: .*503.*\(1 of 2 numbers were paged\)$/)]);

    await rig.resolveAlerts('HalfPaged');
    expect(rig.twilio.messages.map((m) => [m.to, m.body.split(' ')[1]])).toEqual([[CAROL.pageTo, 'CRITICAL]'], [CAROL.pageTo, 'RESOLVED]']]);
  }, 60_000);

  test('GIVEN an e-mail page the server took for one of two addresses WHEN the incident resolves THEN the one mailed gets the resolve, and the refused one (never paged) does not', async () => {
    rig = await startTwoAddressesRig();
    const incident = await rig.open('HalfMailed');
    rig.smtp.refuseRecipient(DAVE.pageTo, 550, '5.1.1 No such user', 1);
    await rig.escalateToPage(incident);
    expect(rig.smtp.mails.map((m) => m.to)).toEqual([[BOB.pageTo]]);
    const timeline = await rig.incidents.timeline(incident.id);
    expect(timeline.filter((t) => t.kind === 'paged').map((t) => t.detail)).toEqual([`paged through email for <@${BOB.discordId}>`]);
    expect(timeline.filter((t) => t.kind === 'page_failed').map((t) => t.detail)).toEqual([expect.stringMatching(/^email: .*dave@example\.com: 550 5\.1\.1 No such user.*\(1 of 2 addresses were mailed\)$/)]);

    await rig.resolveAlerts('HalfMailed');
    expect(rig.smtp.mails.map((m) => m.to)).toEqual([[BOB.pageTo], [BOB.pageTo]]);
    expect(subjects(rig)[1]).toMatch(/^\[Helix resolved\]/);
  }, 60_000);

  test('GIVEN an e-mail resolve the server took for one of two addresses WHEN the job is retried THEN only the address still missing is mailed, and the timeline names the one mailed', async () => {
    rig = await startTwoAddressesRig();
    const incident = await rig.open('TwoAddresses');
    await rig.escalateToPage(incident);
    expect(rig.smtp.mails.map((m) => m.to)).toEqual([[DAVE.pageTo, BOB.pageTo]]);
    rig.smtp.refuseRecipient(BOB.pageTo, 452, '4.2.2 Mailbox full', 1);

    const err = await rig.resolveAlerts('TwoAddresses').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'page_failed' });
    expect((err as Error).message).toMatch(/bob@example\.com: 452 4\.2\.2 Mailbox full.*\(1 of 2 addresses were mailed\)/);
    expect(rig.smtp.mails.slice(1).map((m) => m.to)).toEqual([[DAVE.pageTo]]);
    const partly = (await rig.incidents.timeline(incident.id)).filter((t) => t.kind === 'page_resolved_partly');
    expect(partly.map((t) => t.detail)).toEqual(['resolve sent through email to dave@example.com']);

    await rig.resolveAlerts('TwoAddresses');
    expect(rig.smtp.mails.slice(1).map((m) => m.to)).toEqual([[DAVE.pageTo], [BOB.pageTo]]);
    await rig.resolveAlerts('TwoAddresses');
    expect(rig.smtp.mails).toHaveLength(3);
    expect((await rig.timelineKinds(incident.id)).filter((k) => k === 'page_resolved')).toHaveLength(1);
  }, 60_000);
});
