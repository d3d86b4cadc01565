import { describe, expect, test } from 'vitest';
import { type PageRequest, PartlySentError, TwilioPager, smsText } from '../../../ops/paging/index.ts';
import { startFakeTwilio } from '../../fakes/paging/twilio-api.ts';

const SID = `AC${'0123456789abcdef'.repeat(2)}`;
const TOKEN = 'twilio-auth-token-0123456789';
const request: PageRequest = { dedupKey: 'incident-7', incidentId: '7', summary: 'helix turn-success: error budget burning fast', severity: 'critical', url: 'https://discord.com/channels/1/2/3', action: 'trigger' };
const fast = { retryBaseMs: 10, maxRetries: 2 };

describe('TwilioPager against a fake Messages API', () => {
  test('GIVEN a trigger for two numbers THEN each gets one form-encoded message with basic auth', async () => {
    await using twilio = await startFakeTwilio(SID, TOKEN);
    const pager = new TwilioPager({ accountSid: SID, authToken: TOKEN, from: '+15550000000', to: ['+15551111111', '+15552222222'], baseUrl: twilio.url, ...fast });
    await pager.page(request);
    expect(twilio.messages).toEqual([
      { to: '+15551111111', from: '+15550000000', messagingServiceSid: undefined, body: `[Helix CRITICAL] ${request.summary}\n${request.url}` },
      { to: '+15552222222', from: '+15550000000', messagingServiceSid: undefined, body: `[Helix CRITICAL] ${request.summary}\n${request.url}` },
    ]);
    expect(twilio.requests[0]?.path).toBe(`/2010-04-01/Accounts/${SID}/Messages.json`);
    await pager.close();
  });

  test("GIVEN the request names its own recipient and a Messaging Service sender THEN only that number is texted, via MessagingServiceSid", async () => {
    await using twilio = await startFakeTwilio(SID, TOKEN);
    const mg = `MG${'a'.repeat(32)}`;
    await new TwilioPager({ accountSid: SID, authToken: TOKEN, from: mg, to: ['+15551111111'], baseUrl: twilio.url, ...fast }).page({ ...request, to: ['+15553333333'], action: 'resolve' });
    expect(twilio.messages).toEqual([{ to: '+15553333333', from: undefined, messagingServiceSid: mg, body: `[Helix RESOLVED] ${request.summary}\n${request.url}` }]);
  });

  test('GIVEN a request addressed to an e-mail and a phone THEN only the phone is texted (addresses are for the e-mail pager)', async () => {
    await using twilio = await startFakeTwilio(SID, TOKEN);
    await using pager = new TwilioPager({ accountSid: SID, authToken: TOKEN, from: '+15550000000', to: ['+15551111111'], baseUrl: twilio.url, ...fast });
    await pager.page({ ...request, to: ['oncall@example.com', '+15554444444'] });
    await pager.page({ ...request, to: ['oncall@example.com'] });
    expect(twilio.messages.map((m) => m.to)).toEqual(['+15554444444', '+15551111111']);
  });

  test('GIVEN a wrong auth token THEN the 401 is not retried and the error is page_refused with Twilio’s code', async () => {
    await using twilio = await startFakeTwilio(SID, TOKEN);
    const err = await new TwilioPager({ accountSid: SID, authToken: 'wrong-token-0123456789', from: '+15550000000', to: ['+15551111111'], baseUrl: twilio.url, ...fast }).page(request).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'page_refused' });
    expect((err as Error).message).toMatch(/401: code 20003 Authenticate\)\. Check the credentials/);
    expect((err as Error).message).not.toContain('wrong-token');
    expect(twilio.requests).toHaveLength(1);
  });

  test('GIVEN a 503 then success THEN the message is retried once and sent', async () => {
    await using twilio = await startFakeTwilio(SID, TOKEN);
    twilio.failNext({ status: 503, body: { code: 20503, message: 'Service unavailable', status: 503 } });
    await new TwilioPager({ accountSid: SID, authToken: TOKEN, from: '+15550000000', to: ['+15551111111'], baseUrl: twilio.url, ...fast }).page(request);
    expect(twilio.requests).toHaveLength(2);
    expect(twilio.messages).toHaveLength(1);
  });

  test('GIVEN one bad number among two THEN the good one is texted and the error (a refusal: the number stays bad) names the failure and the count', async () => {
    await using twilio = await startFakeTwilio(SID, TOKEN);
    const err = await new TwilioPager({ accountSid: SID, authToken: TOKEN, from: '+15550000000', to: ['12345', '+15552222222'], baseUrl: twilio.url, ...fast }).page(request).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'page_refused' });
    expect((err as Error).message).toMatch(/code 21211.*\(1 of 2 numbers were paged\)/);
    expect(twilio.messages.map((m) => m.to)).toEqual(['+15552222222']);
  });

  test('GIVEN the first of two numbers fails for good THEN the error names the number texted (masked), and a retry told so texts only the other', async () => {
    await using twilio = await startFakeTwilio(SID, TOKEN);
    const pager = new TwilioPager({ accountSid: SID, authToken: TOKEN, from: '+15550000000', to: ['+15551111111', '+15552222222'], baseUrl: twilio.url, ...fast });
    twilio.failNext({ status: 503, body: { code: 20503, message: 'Service unavailable', status: 503 } }, 3);
    const err = await pager.page(request).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PartlySentError);
    expect(err).toMatchObject({ code: 'page_failed', delivered: ['…2222'] });
    expect(twilio.messages.map((m) => m.to)).toEqual(['+15552222222']);

    await pager.page({ ...request, alreadySent: (err as PartlySentError).delivered });
    expect(twilio.messages.map((m) => m.to)).toEqual(['+15552222222', '+15551111111']);
    // Told both took it: nothing to send, no error.
    await pager.page({ ...request, alreadySent: ['…1111', '…2222'] });
    expect(twilio.messages).toHaveLength(2);
  });

  test('GIVEN two numbers that share their last four digits and one of them took it THEN a retry texts both (a repeat beats a miss)', async () => {
    await using twilio = await startFakeTwilio(SID, TOKEN);
    await new TwilioPager({ accountSid: SID, authToken: TOKEN, from: '+15550000000', to: ['+15551111111', '+15552221111', '+15553333333'], baseUrl: twilio.url, ...fast }).page({ ...request, alreadySent: ['…1111', '…3333'] });
    expect(twilio.messages.map((m) => m.to)).toEqual(['+15551111111', '+15552221111']);
  });

  test('GIVEN no recipients anywhere THEN page_failed says where to set them', async () => {
    const err = await new TwilioPager({ accountSid: SID, authToken: TOKEN, from: '+15550000000', baseUrl: 'http://127.0.0.1:1' }).page(request).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'page_failed' });
    expect((err as Error).message).toMatch(/paging\.twilio\.to/);
  });

  test('GIVEN a very long summary THEN the SMS stays within 1600 characters and keeps the link', () => {
    const text = smsText({ ...request, summary: 'y'.repeat(5_000) });
    expect(text.length).toBeLessThanOrEqual(1_600);
    expect(text.endsWith(request.url as string)).toBe(true);
  });
});
