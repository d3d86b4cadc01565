import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App } from '@octokit/app';
import { createNodeMiddleware, type EmitterWebhookEvent } from '@octokit/webhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGitHub, type FakeGitHub } from '../../fakes/github/index.ts';

const APP_ID = 424242;
const INSTALLATION = 1001;
const SECRET = 'webhook-secret-for-tests';
const repo = { owner: 'helix-org', repo: 'helix' };
const { privateKey, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

// @octokit/app does not re-export Octokit and @octokit/core is not a direct dependency: take the constructor
// App uses by default (OctokitCore) from a throwaway instance and derive a subclass pointed at the fake.
type OctokitClass = NonNullable<ConstructorParameters<typeof App>[0]['Octokit']>;
const OctokitCore = new App({ appId: 1, privateKey }).octokit.constructor as OctokitClass;

let fake: FakeGitHub;
let app: App;
let hookServer: Server;
let hookUrl: string;
const received: Array<{ id: string; name: string; payload: unknown }> = [];

function makeApp(key = privateKey, appId = APP_ID) {
  return new App({
    appId,
    privateKey: key,
    webhooks: { secret: SECRET },
    Octokit: OctokitCore.defaults({ baseUrl: fake.baseUrl }),
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  });
}

beforeAll(async () => {
  fake = await startFakeGitHub({ appId: APP_ID, key: publicKey, slug: 'helix-bot', installations: [INSTALLATION] });
  fake.seedIssue({ ...repo, number: 7, title: 'Help wanted', body: 'Something is off' });
  app = makeApp();
  app.webhooks.onAny((e: EmitterWebhookEvent) => {
    received.push({ id: e.id, name: e.name, payload: e.payload });
  });
  const middleware = createNodeMiddleware(app.webhooks, { log: { debug() {}, info() {}, warn() {}, error() {} } });
  hookServer = createServer((req, res) => {
    void middleware(req, res, () => {
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/api/github/webhooks`;
});

afterAll(async () => {
  hookServer?.closeAllConnections();
  await new Promise<void>((r) => (hookServer ? hookServer.close(() => r()) : r()));
  await fake?.close();
});

describe('fake GitHub with the real @octokit/app', () => {
  it('GET /app authenticates with the app JWT', async () => {
    const { data, headers } = await app.octokit.request('GET /app');
    expect(data).toMatchObject({ id: APP_ID, slug: 'helix-bot' });
    expect(headers['x-github-request-id']).toBeTruthy();
    const last = fake.requests.at(-1)!;
    expect(last.headers.authorization).toMatch(/^bearer [\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('rejects a JWT signed with another key or for another app id', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    await expect(makeApp(other.privateKey).octokit.request('GET /app')).rejects.toMatchObject({ status: 401, message: expect.stringContaining('could not be decoded') });
    await expect(makeApp(privateKey, APP_ID + 1).octokit.request('GET /app')).rejects.toMatchObject({ status: 401 });
  });

  it('installation octokit mints a token once, then comments with it (cached)', async () => {
    const before = fake.tokenMintCount(INSTALLATION);
    const octokit = await app.getInstallationOctokit(INSTALLATION);
    const { status, data } = await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...repo, issue_number: 7, body: 'hello from helix' });
    expect(status).toBe(201);
    expect(data.user?.login).toBe('helix-bot[bot]');
    expect(data.user?.type).toBe('Bot');
    expect(data.html_url).toMatch(/\/helix-org\/helix\/issues\/7#issuecomment-\d+$/);
    expect(fake.tokenMintCount(INSTALLATION)).toBe(before + 1);
    const rec = fake.comments.at(-1)!;
    expect(rec).toMatchObject({ body: 'hello from helix', issueNumber: 7, installationId: INSTALLATION });
    expect(rec.token).toMatch(/^ghs_/);
    expect(fake.requests.at(-1)!.headers.authorization).toBe(`token ${rec.token}`);

    // Second call (and a second installation Octokit) within the token's life: no new token.
    const again = await app.getInstallationOctokit(INSTALLATION);
    const issue = await again.request('GET /repos/{owner}/{repo}/issues/{issue_number}', { ...repo, issue_number: 7 });
    expect(issue.data).toMatchObject({ number: 7, title: 'Help wanted', comments: 1 });
    expect(Number(issue.headers['x-ratelimit-remaining'])).toBe(5000 - 2);
    expect(issue.headers['x-ratelimit-limit']).toBe('5000');
    await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...repo, issue_number: 7, body: 'second' });
    expect(fake.tokenMintCount(INSTALLATION)).toBe(before + 1);
    expect(fake.comments.at(-1)!.token).toBe(rec.token);
  });

  it('unknown installation is a 404 from the token endpoint', async () => {
    await expect(app.getInstallationOctokit(999).then((o) => o.request('GET /repos/{owner}/{repo}/issues/{issue_number}', { ...repo, issue_number: 7 }))).rejects.toMatchObject({ status: 404 });
  });

  it('secondary rate limit surfaces as 403 with retry-after; 5xx is scriptable', async () => {
    const octokit = await app.getInstallationOctokit(INSTALLATION);
    fake.failNext({ fault: { kind: 'secondary-rate-limit', retryAfter: 42 }, match: /^POST .*\/comments$/ });
    const err = await octokit
      .request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...repo, issue_number: 7, body: 'too fast' })
      .then(() => null, (e: unknown) => e as { status: number; message: string; response: { headers: Record<string, string> } });
    expect(err?.status).toBe(403);
    expect(err?.response.headers['retry-after']).toBe('42');
    expect(err?.message).toMatch(/secondary rate limit/);
    fake.failNext({ fault: { kind: 'server-error', status: 502 } });
    await expect(octokit.request('GET /repos/{owner}/{repo}/issues/{issue_number}', { ...repo, issue_number: 7 })).rejects.toMatchObject({ status: 502 });
    // Faults are one-shot: the next call succeeds and nothing was recorded for the failed comment.
    await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...repo, issue_number: 7, body: 'after' });
    expect(fake.comments.map((c) => c.body)).not.toContain('too fast');
  });

  it('webhook middleware accepts a signed delivery, rejects forged ones, and a redelivery keeps its id', async () => {
    const payload = fake.payloads.issueComment({ repo, issueNumber: 7, text: 'how are you?' });
    expect(payload.comment.body).toBe('@helix-bot how are you?');
    const ok = await fake.deliver('issue_comment', payload, { url: hookUrl, secret: SECRET });
    expect(ok.status).toBe(200);
    expect(received.at(-1)).toMatchObject({ id: ok.deliveryId, name: 'issue_comment' });
    expect(ok.deliveryId).toMatch(/^[0-9a-f-]{36}$/);

    const count = received.length;
    for (const forge of ['wrong-secret', 'tampered-body', 'missing'] as const) {
      const bad = await fake.deliver('issue_comment', payload, { url: hookUrl, secret: SECRET, forge });
      expect(bad.status, forge).toBe(400);
    }
    expect(received.length).toBe(count);

    const again = await fake.redeliver(ok.deliveryId);
    expect(again.status).toBe(200);
    expect(received.filter((r) => r.id === ok.deliveryId)).toHaveLength(2);
  });

  it('verifyAndReceive handles every payload builder; the app-authored comment is recognisable', async () => {
    const built = {
      issues: fake.payloads.issueOpened({ repo, issueNumber: 8, title: 'New', text: 'please look' }),
      pull_request_review_comment: fake.payloads.pullRequestReviewComment({ repo, pullNumber: 9, text: 'nit?' }),
      discussion_comment: fake.payloads.discussionComment({ repo, discussionNumber: 3, text: 'thoughts?' }),
      issue_comment: fake.payloads.issueCommentByApp({ repo, issueNumber: 7, text: 'my own reply' }),
    };
    for (const [name, payload] of Object.entries(built)) {
      const r = await fake.deliver(name, payload, { url: hookUrl, secret: SECRET });
      expect(r.status, name).toBe(200);
      expect(received.at(-1)).toMatchObject({ id: r.deliveryId, name, payload: { action: expect.any(String), installation: { id: INSTALLATION } } });
    }
    expect(built.issues.issue.body).toContain('@helix-bot');
    expect(built.issue_comment.comment.user.login).toBe('helix-bot[bot]');
    expect(built.issue_comment.sender.type).toBe('Bot');
    expect(built.issue_comment.comment.performed_via_github_app?.id).toBe(APP_ID);

    // Direct verifyAndReceive with a forged signature rejects.
    const raw = JSON.stringify(built.issues);
    await expect(app.webhooks.verifyAndReceive({ id: 'x', name: 'issues', payload: raw, signature: 'sha256=' + '0'.repeat(64) })).rejects.toThrow();
  });

  it('handlers using the event octokit forward the delivery id on API calls', async () => {
    const seen = new Promise<void>((resolve, reject) => {
      app.webhooks.on('issue_comment.created', async ({ payload, octokit }) => {
        if (payload.comment.user?.type === 'Bot') return;
        try {
          await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
            owner: payload.repository.owner.login, repo: payload.repository.name, issue_number: payload.issue.number, body: 'replying',
          });
          resolve();
        } catch (e) {
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      });
    });
    const r = await fake.deliver('issue_comment', fake.payloads.issueComment({ repo, issueNumber: 7, text: 'ping' }), { url: hookUrl, secret: SECRET });
    await seen;
    expect(fake.comments.at(-1)).toMatchObject({ body: 'replying', deliveryHeader: r.deliveryId });
  });
});
