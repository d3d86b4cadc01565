// A fake of Twilio's Messages API (`POST /2010-04-01/Accounts/{AccountSid}/Messages.json`): HTTP basic auth
// (AccountSid:AuthToken), form-encoded To/From (or MessagingServiceSid)/Body, 201 with the message resource,
// errors as {code, message, more_info, status}.
// @see https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource
import { randomBytes } from 'node:crypto';
import { type FakeHttpApi, startFakeHttpApi } from './http-fake.ts';

export interface TwilioMessage {
  to: string;
  from: string | undefined;
  messagingServiceSid: string | undefined;
  body: string;
}

export interface FakeTwilio extends FakeHttpApi {
  /** Messages accepted (201), in order. */
  readonly messages: TwilioMessage[];
}

const error = (status: number, code: number, message: string) => ({ status, body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status } });

export async function startFakeTwilio(accountSid: string, authToken: string): Promise<FakeTwilio> {
  const messages: TwilioMessage[] = [];
  const expectedAuth = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
  const api = await startFakeHttpApi((req) => {
    const match = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(req.path);
    if (req.method !== 'POST' || !match) return error(404, 20404, 'The requested resource was not found');
    if (req.headers.authorization !== expectedAuth || match[1] !== accountSid) return error(401, 20003, 'Authenticate');
    if (!String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded')) return error(400, 21620, 'Invalid media content type');
    const form = new URLSearchParams(req.body);
    const to = form.get('To');
    const from = form.get('From') ?? undefined;
    const messagingServiceSid = form.get('MessagingServiceSid') ?? undefined;
    const body = form.get('Body');
    if (!to) return error(400, 21604, "A 'To' phone number is required.");
    if (!/^\+[1-9]\d{6,14}$/.test(to)) return error(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    if (!from && !messagingServiceSid) return error(400, 21603, "A 'From' phone number is required.");
    if (!body) return error(400, 21602, 'Message body is required.');
    if (body.length > 1_600) return error(400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
    messages.push({ to, from, messagingServiceSid, body });
    const sid = `SM${randomBytes(16).toString('hex')}`;
    return { status: 201, body: { sid, account_sid: accountSid, to, from: from ?? null, messaging_service_sid: messagingServiceSid ?? null, body, status: 'queued', num_segments: String(Math.ceil(body.length / 153)) } };
  });
  return Object.assign(api, { messages });
}
