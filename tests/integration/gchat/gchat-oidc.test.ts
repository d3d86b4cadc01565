// The Google Chat bot in endpoint-URL mode: Chat's bearer token is a Google OIDC ID token whose audience is
// the endpoint URL and whose email is chat@system.gserviceaccount.com (verified), checked against Google's
// OIDC certificates (from the configured URL, cached per Cache-Control). Secrets never reach the logs.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { messageEvent } from '../../fakes/gchat/index.ts';
import { ENDPOINT_URL, PROJECT_NUMBER, startEchoBrain, startGChatMesh, type GChatMesh } from './harness.ts';

let mesh: GChatMesh;
let brain: ReturnType<typeof startEchoBrain>;
const logs: string[] = [];

beforeAll(async () => {
  mesh = await startGChatMesh({ audience: 'endpointUrl', inlineReplyMs: 3_000, logLines: logs });
  brain = startEchoBrain(mesh);
}, 30_000);

afterAll(async () => {
  await brain?.close();
  await mesh?.cleanup();
});

describe('gchat endpoint-URL (OIDC) tokens', () => {
  test('GIVEN an OIDC token for the endpoint URL from chat@system.gserviceaccount.com THEN the DM is answered inline', async () => {
    const r = await mesh.send(messageEvent({ space: 'spaces/OIDC1', dm: true, text: 'hi via oidc' }));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ text: 'echo: hi via oidc' });
    expect(mesh.fake.certFetches).toEqual({ chat: 0, oidc: 1 });
  });

  test('GIVEN OIDC tokens with the wrong email, an unverified email, another audience, a forged signature, or the project-number form THEN 401 and nothing queued', async () => {
    const f = mesh.fake;
    const bad: Record<string, string> = {
      otherEmail: f.signOidcToken({ audience: ENDPOINT_URL, email: 'someone@example.com' }),
      unverified: f.signOidcToken({ audience: ENDPOINT_URL, emailVerified: false }),
      otherAudience: f.signOidcToken({ audience: 'https://evil.example.com/gchat/events' }),
      projectAudience: f.signOidcToken({ audience: PROJECT_NUMBER }),
      forged: f.signOidcToken({ audience: ENDPOINT_URL, forged: true }),
      otherIssuer: f.signOidcToken({ audience: ENDPOINT_URL, issuer: 'https://evil.example.com' }),
      expired: f.signOidcToken({ audience: ENDPOINT_URL, issuedAtSec: -7_200, expiresInSec: 3_600 }),
      projectNumberForm: f.signChatToken({ audience: ENDPOINT_URL }),
    };
    const names: string[] = [];
    for (const [why, token] of Object.entries(bad)) {
      const event = messageEvent({ space: 'spaces/OIDC2', dm: true, text: why });
      names.push((event.message as { name: string }).name);
      const r = await mesh.send(event, { token });
      expect(r.status, why).toBe(401);
    }
    expect((await mesh.inboundTurns()).filter((t) => names.includes(t.eventId))).toHaveLength(0);
    expect(brain.turns.filter((t) => names.includes(t.eventId))).toHaveLength(0);
    const tokenPieces = Object.values(bad).map((t) => t.split('.')[2]!.slice(0, 24));
    const privateKeyLine = mesh.sa.privateKey.split('\n')[1]!;
    const all = logs.join('');
    expect(all).toContain('event refused');
    for (const piece of [...tokenPieces, privateKeyLine]) expect(all).not.toContain(piece);
  });
});
