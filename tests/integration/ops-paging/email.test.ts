import { describe, expect, test } from 'vitest';
import { EmailPager, PartlySentError, type PageRequest } from '../../../ops/paging/index.ts';
import { startSmtpSink } from '../../fakes/paging/smtp-sink.ts';

const request: PageRequest = { dedupKey: 'incident-9', incidentId: '9', summary: 'helix delivery-success: error budget burning fast', severity: 'error', url: 'https://discord.com/channels/1/2/3', action: 'trigger' };

describe('EmailPager (nodemailer 8) against a local smtp-server sink', () => {
  test('GIVEN a trigger and a resolve THEN two authenticated mails arrive, threaded on the incident', async () => {
    await using sink = await startSmtpSink('helix', 'smtp-secret');
    const pager = new EmailPager({ smtp: { host: '127.0.0.1', port: sink.port, secure: false, user: 'helix', password: 'smtp-secret' }, from: 'Helix <helix@example.com>', to: ['oncall@example.com'], retryBaseMs: 10 });
    await pager.page(request);
    await pager.page({ ...request, action: 'resolve', to: ['lead@example.com'] });
    await pager.close();
    await pager.close();
    expect(sink.mails.map((m) => ({ from: m.from, to: m.to }))).toEqual([
      { from: 'helix@example.com', to: ['oncall@example.com'] },
      { from: 'helix@example.com', to: ['lead@example.com'] },
    ]);
    const [trigger, resolve] = sink.mails.map((m) => m.raw);
    expect(trigger).toMatch(/^Subject: \[Helix error\] helix delivery-success: error budget burning fast/m);
    expect(trigger).toContain(request.url);
    expect(trigger).toMatch(/^References: <incident-9@helix>/m);
    expect(resolve).toMatch(/^Subject: \[Helix resolved\] /m);
    expect(resolve).toMatch(/^In-Reply-To: <incident-9@helix>/m);
  });

  test('GIVEN a request addressed to a phone and an e-mail THEN only the address is mailed, and a phone-only request falls back to the configured list', async () => {
    await using sink = await startSmtpSink('helix', 'smtp-secret');
    await using pager = new EmailPager({ smtp: { host: '127.0.0.1', port: sink.port, secure: false, user: 'helix', password: 'smtp-secret' }, from: 'helix@example.com', to: ['oncall@example.com'] });
    await pager.page({ ...request, to: ['+15551111111', 'lead@example.com'] });
    await pager.page({ ...request, to: ['+15551111111'] });
    expect(sink.mails.map((m) => m.to)).toEqual([['lead@example.com'], ['oncall@example.com']]);
  });

  test('GIVEN an smtp:// URL with credentials THEN the pager sends through it', async () => {
    await using sink = await startSmtpSink('helix', 'smtp-secret');
    const pager = new EmailPager({ smtp: { url: `smtp://helix:smtp-secret@127.0.0.1:${sink.port}` }, from: 'helix@example.com', to: ['oncall@example.com'] });
    await pager.page(request);
    await pager.close();
    expect(sink.mails).toHaveLength(1);
  });

  test('GIVEN a wrong password THEN page_refused (EAUTH) without retrying', async () => {
    await using sink = await startSmtpSink('helix', 'smtp-secret');
    const pager = new EmailPager({ smtp: { host: '127.0.0.1', port: sink.port, secure: false, user: 'helix', password: 'nope' }, from: 'helix@example.com', to: ['oncall@example.com'], retryBaseMs: 10 });
    const err = await pager.page(request).catch((e: unknown) => e);
    await pager.close();
    expect(err).toMatchObject({ code: 'page_refused' });
    expect((err as Error).message).toMatch(/EAUTH.*Check paging\.email\.user/);
    expect(sink.authFailures).toBe(1);
    expect(sink.mails).toHaveLength(0);
  });

  test('GIVEN a temporary 451 twice THEN the pager retries and the mail is delivered', async () => {
    await using sink = await startSmtpSink('helix', 'smtp-secret');
    sink.failNext(451, 'Try again later', 2);
    const pager = new EmailPager({ smtp: { host: '127.0.0.1', port: sink.port, secure: false, user: 'helix', password: 'smtp-secret' }, from: 'helix@example.com', to: ['oncall@example.com'], retryBaseMs: 10 });
    await pager.page(request);
    await pager.close();
    expect(sink.attempts).toBe(3);
    expect(sink.mails).toHaveLength(1);
  });

  test('GIVEN a permanent 550 THEN page_failed with the server’s reason after one attempt', async () => {
    await using sink = await startSmtpSink('helix', 'smtp-secret');
    sink.failNext(550, 'Mailbox unavailable', 5);
    const pager = new EmailPager({ smtp: { host: '127.0.0.1', port: sink.port, secure: false, user: 'helix', password: 'smtp-secret' }, from: 'helix@example.com', to: ['oncall@example.com'], retryBaseMs: 10 });
    const err = await pager.page(request).catch((e: unknown) => e);
    await pager.close();
    expect(err).toMatchObject({ code: 'page_failed' });
    expect((err as Error).message).toContain('Mailbox unavailable');
    expect(sink.attempts).toBe(1);
  });

  test('GIVEN temporary failures beyond maxRetries THEN retries are bounded', async () => {
    await using sink = await startSmtpSink('helix', 'smtp-secret');
    sink.failNext(421, 'Service not available', 10);
    const pager = new EmailPager({ smtp: { host: '127.0.0.1', port: sink.port, secure: false, user: 'helix', password: 'smtp-secret' }, from: 'helix@example.com', to: ['oncall@example.com'], retryBaseMs: 10, maxRetries: 2 });
    const err = await pager.page(request).catch((e: unknown) => e);
    await pager.close();
    expect(err).toMatchObject({ code: 'page_failed' });
    expect((err as Error).message).toMatch(/after 2 retries/);
    expect(sink.attempts).toBe(3);
  });

  test('GIVEN two addresses and the server refuses one at RCPT TO (550) THEN the other is mailed, the error names both, and a retry mails only the refused one', async () => {
    await using sink = await startSmtpSink('helix', 'smtp-secret');
    sink.refuseRecipient('gone@example.com', 550, '5.1.1 No such user', 1);
    await using pager = new EmailPager({ smtp: { host: '127.0.0.1', port: sink.port, secure: false, user: 'helix', password: 'smtp-secret' }, from: 'helix@example.com', retryBaseMs: 10 });
    const twoAddresses = { ...request, to: ['lead@example.com', 'gone@example.com'] };
    const err = await pager.page(twoAddresses).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PartlySentError);
    expect(err).toMatchObject({ code: 'page_failed', delivered: ['lead@example.com'] });
    expect((err as Error).message).toMatch(/refused an address \(gone@example\.com: 550 5\.1\.1 No such user\)\. \(1 of 2 addresses were mailed\)$/);
    expect(sink.mails.map((m) => m.to)).toEqual([['lead@example.com']]);

    // The job's retry says who has it already: only the refused address is mailed again.
    await pager.page({ ...twoAddresses, alreadySent: (err as PartlySentError).delivered });
    expect(sink.mails.map((m) => m.to)).toEqual([['lead@example.com'], ['gone@example.com']]);
    // Everyone has it: nothing is sent.
    await pager.page({ ...twoAddresses, alreadySent: ['lead@example.com', 'gone@example.com'] });
    expect(sink.mails).toHaveLength(2);
  });

  test('GIVEN an address greylisted once (450) beside one that takes the mail THEN the pager tries the greylisted one again on its own, and both are mailed once', async () => {
    await using sink = await startSmtpSink('helix', 'smtp-secret');
    sink.refuseRecipient('lead@example.com', 450, '4.7.1 Greylisted, try again later', 1);
    await using pager = new EmailPager({ smtp: { host: '127.0.0.1', port: sink.port, secure: false, user: 'helix', password: 'smtp-secret' }, from: 'helix@example.com', retryBaseMs: 10 });
    await pager.page({ ...request, to: ['oncall@example.com', 'lead@example.com'] });
    expect(sink.mails.map((m) => m.to)).toEqual([['oncall@example.com'], ['lead@example.com']]);
  });

  test('GIVEN every address refused for good THEN page_failed naming each with its reason, after one attempt', async () => {
    await using sink = await startSmtpSink('helix', 'smtp-secret');
    sink.refuseRecipient('oncall@example.com', 550, '5.1.1 No such user');
    sink.refuseRecipient('lead@example.com', 553, '5.1.3 Bad address syntax');
    await using pager = new EmailPager({ smtp: { host: '127.0.0.1', port: sink.port, secure: false, user: 'helix', password: 'smtp-secret' }, from: 'helix@example.com', retryBaseMs: 10 });
    const err = await pager.page({ ...request, to: ['oncall@example.com', 'lead@example.com'] }).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(PartlySentError);
    expect(err).toMatchObject({ code: 'page_failed' });
    expect((err as Error).message).toBe('E-mail page of 9: the server refused 2 addresses (oncall@example.com: 550 5.1.1 No such user; lead@example.com: 553 5.1.3 Bad address syntax).');
    expect(sink.attempts).toBe(0);
    expect(sink.mails).toHaveLength(0);
  });
});
