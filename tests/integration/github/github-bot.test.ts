// The GitHub bot against the fake GitHub with the real @octokit/app and real Redis: webhook intake
// (signatures, mentions, redeliveries, own comments) and delivery (installation token, quote, rate limits).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { outboundJobOptions } from '../../../mesh/index.ts';
import { deadLettersOf, eventually } from '../../helpers/mesh-harness.ts';
import { INSTALLATION, SECRET, SLUG, repo, sleep, startGitHubMesh, type GitHubMesh } from './harness.ts';

let mesh: GitHubMesh;

beforeAll(async () => {
  // No slug configured: the bot reads it from GET /app (authenticated with the app JWT).
  mesh = await startGitHubMesh();
  mesh.fake.seedIssue({ ...repo, number: 7, title: 'Help wanted', body: 'Something is off' });
  mesh.fake.seedIssue({ ...repo, number: 8, title: 'Another', body: 'More' });
}, 20_000);

afterAll(async () => {
  await mesh?.cleanup();
});

const hook = () => ({ url: mesh.bot.webhookUrl, secret: SECRET });

describe('github webhooks → inbound', () => {
  test('GIVEN a signed issue_comment mentioning the app THEN one turn, the issue as conversation, the login as author; a redelivery adds none', async () => {
    expect(mesh.bot.identity.slug).toBe(SLUG);
    const author = mesh.fake.payloads.user('alice', 5001);
    const payload = mesh.fake.payloads.issueComment({ repo, issueNumber: 7, text: 'what do you think?\nsecond line', author });
    const r = await mesh.fake.deliver('issue_comment', payload, hook());
    expect(r.status).toBe(202);
    const turns = await mesh.inboundTurns();
    expect(turns).toHaveLength(1);
    expect(turns[0]).toMatchObject({
      platform: 'github',
      eventId: payload.comment.node_id,
      conversation: { id: 'github-helix-org/helix#7', kind: 'group', route: { owner: 'helix-org', repo: 'helix', number: '7', installationId: String(INSTALLATION), target: 'issue', askerLogin: 'alice' } },
      author: { accountId: 'alice', displayName: 'alice', isBot: false },
      text: 'what do you think?\nsecond line',
      mentions: [{ isHelix: true }],
    });
    const again = await mesh.fake.redeliver(r.deliveryId);
    expect(again.status).toBe(200);
    expect(await mesh.inboundTurns()).toHaveLength(1);
  });

  test('GIVEN forged, tampered or unsigned deliveries THEN 401 and nothing queued; malformed JSON is 400', async () => {
    const before = (await mesh.inboundTurns()).length;
    const payload = mesh.fake.payloads.issueComment({ repo, issueNumber: 7, text: 'forged?' });
    for (const forge of ['wrong-secret', 'tampered-body', 'missing'] as const) {
      const bad = await mesh.fake.deliver('issue_comment', payload, { ...hook(), forge });
      expect(bad.status, forge).toBe(401);
    }
    const raw = '{not json';
    const { createHmac } = await import('node:crypto');
    const res = await fetch(mesh.bot.webhookUrl, {
      method: 'POST',
      headers: { 'x-github-event': 'issue_comment', 'x-github-delivery': 'd-1', 'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}`, 'content-type': 'application/json' },
      body: raw,
    });
    expect(res.status).toBe(400);
    expect(await mesh.inboundTurns()).toHaveLength(before);
  });

  test("GIVEN the app's own comment, a comment without a mention, or an unknown event THEN 2xx and no turn", async () => {
    const before = (await mesh.inboundTurns()).length;
    const own = await mesh.fake.deliver('issue_comment', mesh.fake.payloads.issueCommentByApp({ repo, issueNumber: 7, text: `@${SLUG} I said this myself` }), hook());
    expect(own.status).toBe(200);
    expect(JSON.parse(own.responseBody)).toMatchObject({ accepted: false, reason: 'own_comment' });
    const plain = await mesh.fake.deliver('issue_comment', mesh.fake.payloads.issueComment({ repo, issueNumber: 7, text: 'just chatting', mention: false }), hook());
    expect(JSON.parse(plain.responseBody)).toMatchObject({ accepted: false, reason: 'no_mention' });
    const other = await mesh.fake.deliver('star', { action: 'created', repository: { name: 'helix', owner: { login: 'helix-org' } } }, hook());
    expect(other.status).toBe(200);
    expect(await mesh.inboundTurns()).toHaveLength(before);
  });

  test('GIVEN issues.opened, a PR review comment and a discussion comment with a mention THEN one turn each', async () => {
    const before = (await mesh.inboundTurns()).length;
    const opened = mesh.fake.payloads.issueOpened({ repo, issueNumber: 12, title: 'Crash', text: 'can you look?' });
    expect((await mesh.fake.deliver('issues', opened, hook())).status).toBe(202);
    // The same issue edited later is the same event: no second turn.
    expect((await mesh.fake.deliver('issues', { ...opened, action: 'edited' }, hook())).status).toBe(200);
    expect((await mesh.fake.deliver('pull_request_review_comment', mesh.fake.payloads.pullRequestReviewComment({ repo, pullNumber: 9, text: 'nit?' }), hook())).status).toBe(202);
    expect((await mesh.fake.deliver('discussion_comment', mesh.fake.payloads.discussionComment({ repo, discussionNumber: 3, text: 'thoughts?' }), hook())).status).toBe(202);
    const turns = (await mesh.inboundTurns()).slice(0);
    expect(turns.length - before).toBe(3);
    const ids = turns.map((t) => t.conversation.id);
    expect(ids).toEqual(expect.arrayContaining(['github-helix-org/helix#12', 'github-helix-org/helix#9', 'github-helix-org/helix/discussions#3']));
  });
});

describe('outbound-github → comments', () => {
  test('GIVEN a reply THEN one comment on the issue with an installation token, quoting the asker; a second reply reuses the token', async () => {
    const turn = (await mesh.inboundTurns()).find((t) => t.conversation.id === 'github-helix-org/helix#7')!;
    const before = mesh.fake.comments.length;
    const mints = mesh.fake.tokenMintCount(INSTALLATION);
    await mesh.reply(turn, 'I think it is the cache.');
    await eventually(() => mesh.fake.comments.length === before + 1, 10_000, 'the comment');
    const c = mesh.fake.comments.at(-1)!;
    expect(c).toMatchObject({ owner: 'helix-org', repo: 'helix', issueNumber: 7, installationId: INSTALLATION });
    expect(c.token).toMatch(/^ghs_/);
    expect(c.body).toBe('> what do you think?\n> second line\n\n@alice\n\nI think it is the cache.');
    expect(mesh.fake.tokenMintCount(INSTALLATION)).toBe(mints + 1);

    await mesh.reply(turn, 'And another thing.');
    await eventually(() => mesh.fake.comments.length === before + 2, 10_000, 'the second comment');
    expect(mesh.fake.tokenMintCount(INSTALLATION)).toBe(mints + 1);
    expect(mesh.fake.comments.at(-1)!.token).toBe(c.token);
  });

  test('GIVEN the same reply id delivered twice THEN one comment', async () => {
    const turn = (await mesh.inboundTurns()).find((t) => t.conversation.id === 'github-helix-org/helix#7')!;
    const before = mesh.fake.comments.length;
    const reply = await mesh.reply(turn, 'Only once.');
    await eventually(() => mesh.fake.comments.length === before + 1, 10_000, 'the comment');
    // Re-queued under a new job id (the brain retried): the ledger remembers the reply id.
    await mesh.outbound.add('reply', reply, { jobId: `${reply.replyId}-again` });
    await sleep(700);
    expect(mesh.fake.comments.filter((c) => c.body.endsWith('Only once.'))).toHaveLength(1);
  });

  test('GIVEN a secondary rate limit THEN the comment is retried after Retry-After and posted once', async () => {
    const turn = (await mesh.inboundTurns()).find((t) => t.conversation.id === 'github-helix-org/helix#7')!;
    mesh.fake.failNext({ fault: { kind: 'secondary-rate-limit', retryAfter: 1 }, match: /^POST .*\/comments$/ });
    const start = Date.now();
    await mesh.reply(turn, 'Worth the wait.');
    await eventually(() => mesh.fake.comments.some((c) => c.body.endsWith('Worth the wait.')), 10_000, 'the comment after the limit');
    expect(Date.now() - start).toBeGreaterThanOrEqual(1_000);
    expect(mesh.fake.requests.some((r) => r.status === 403 && r.method === 'POST')).toBe(true);
    await sleep(300);
    expect(mesh.fake.comments.filter((c) => c.body.endsWith('Worth the wait.'))).toHaveLength(1);
  });

  test('GIVEN a very long reply THEN it is split into comments under 60,000 characters', async () => {
    const turn = (await mesh.inboundTurns()).find((t) => t.conversation.id === 'github-helix-org/helix#7')!;
    const before = mesh.fake.comments.length;
    const para = `${'Helix explains the cache in patient detail. '.repeat(40)}\n\n`;
    await mesh.reply(turn, '', { parts: [para.repeat(19), para.repeat(19)] });
    await eventually(() => mesh.fake.comments.length === before + 2, 10_000, 'two comments');
    expect(mesh.fake.comments.slice(before).every((c) => c.body.length <= 60_000)).toBe(true);
  });

  test('GIVEN a reply to a discussion comment THEN one GraphQL addDiscussionComment in the asker\'s thread, quoting them; a retry posts nothing more', async () => {
    const turn = (await mesh.inboundTurns()).find((t) => t.conversation.id === 'github-helix-org/helix/discussions#3')!;
    expect(turn.conversation.route).toMatchObject({ target: 'discussion', discussionNodeId: expect.stringMatching(/^D_/), replyToNodeId: turn.eventId });
    const before = mesh.fake.discussionComments.length;
    const restBefore = mesh.fake.comments.length;
    const r = await mesh.reply(turn, 'About the discussion.');
    await eventually(() => mesh.fake.discussionComments.length === before + 1, 10_000, 'the discussion comment');
    const c = mesh.fake.discussionComments.at(-1)!;
    expect(c).toMatchObject({ owner: 'helix-org', repo: 'helix', discussionNumber: 3, discussionId: turn.conversation.route!.discussionNodeId, replyToId: turn.eventId, installationId: INSTALLATION });
    expect(c.body).toBe('> thoughts?\n\n@octocat\n\nAbout the discussion.');
    expect(c.token).toMatch(/^ghs_/);
    // The same reply enqueued again is the same job: no second comment; a later reply still gets through.
    await mesh.outbound.add('reply', r, outboundJobOptions(r.replyId, 'final'));
    await mesh.reply(turn, 'And one more thing.');
    await eventually(() => mesh.fake.discussionComments.length === before + 2, 10_000, 'the next comment');
    expect(mesh.fake.discussionComments.filter((d) => d.body.endsWith('About the discussion.'))).toHaveLength(1);
    expect(mesh.fake.comments.length).toBe(restBefore);
  });

  test('GIVEN a mention inside a discussion thread (a reply) THEN Helix answers at the top level of the discussion', async () => {
    const payload = mesh.fake.payloads.discussionComment({ repo, discussionNumber: 4, text: 'and inside a thread?', parentId: 123 });
    expect((await mesh.fake.deliver('discussion_comment', payload, hook())).status).toBe(202);
    const turn = (await mesh.inboundTurns()).find((t) => t.conversation.id === 'github-helix-org/helix/discussions#4')!;
    expect(turn.conversation.route?.replyToNodeId).toBeUndefined();
    const before = mesh.fake.discussionComments.length;
    await mesh.reply(turn, 'Top level.');
    await eventually(() => mesh.fake.discussionComments.length === before + 1, 10_000, 'the top-level comment');
    expect(mesh.fake.discussionComments.at(-1)).toMatchObject({ discussionNumber: 4, replyToId: undefined });
  });

  test('GIVEN a reply to an unknown discussion (GraphQL NOT_FOUND) or a 404 issue THEN dead-lettered with the reason, nothing posted', async () => {
    const turns = await mesh.inboundTurns();
    const discussion = turns.find((t) => t.conversation.id.includes('/discussions#3'))!;
    const gone = { ...discussion, conversation: { ...discussion.conversation, route: { ...discussion.conversation.route, discussionNodeId: 'D_kwDOgone' } } };
    const missing = turns.find((t) => t.conversation.id === 'github-helix-org/helix#12')!; // never seeded on the fake: 404
    const before = mesh.fake.comments.length + mesh.fake.discussionComments.length;
    const a = await mesh.reply(gone, 'About the discussion.');
    const b = await mesh.reply(missing, 'About the missing issue.');
    await eventually(async () => (await deadLettersOf(mesh.prefix)).filter((d) => [a.replyId, b.replyId].includes(d.jobId ?? '')).length === 2, 10_000, 'two dead letters');
    const dls = await deadLettersOf(mesh.prefix);
    expect(dls.find((d) => d.jobId === a.replyId)).toMatchObject({ code: 'platform_rejected', reason: expect.stringContaining('NOT_FOUND') });
    expect(dls.find((d) => d.jobId === b.replyId)).toMatchObject({ code: 'platform_rejected', reason: expect.stringContaining('404') });
    expect(mesh.fake.comments.length + mesh.fake.discussionComments.length).toBe(before);
  });

  test('GIVEN /healthz and /metrics THEN healthy and counting', async () => {
    const h = await fetch(`${mesh.bot.url}/healthz`);
    expect(h.status).toBe(200);
    const m = await (await fetch(`${mesh.bot.url}/metrics`)).text();
    expect(m).toMatch(/helix_github_webhooks_total\{event="issue_comment",outcome="queued"[^}]*\} \d+/);
    expect(m).toMatch(/helix_github_comments_total\{[^}]*\} [1-9]/);
  });
});
