// The GitHub bot and the REAL brain process (`node brain/main.ts`, a child) with a fake model: from a signed
// issue_comment webhook on the fake GitHub to the reply comment on the same issue, once.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startFakeOpenAi, type FakeOpenAi } from '../fakes/llm/index.ts';
import { startBrainProcess, type BrainProcess } from '../helpers/brain-process.ts';
import { eventually } from '../helpers/mesh-harness.ts';
import { SECRET, SLUG, repo, sleep, startGitHubMesh, type GitHubMesh } from '../integration/github/harness.ts';

let mesh: GitHubMesh;
let model: FakeOpenAi;
let brain: BrainProcess;


beforeAll(async () => {
  model = await startFakeOpenAi();
  mesh = await startGitHubMesh({ slug: SLUG });
  mesh.fake.seedIssue({ ...repo, number: 21, title: 'Should we cache?', body: 'Thinking about it' });
  brain = await startBrainProcess(mesh.prefix, model.url);
}, 180_000);

afterAll(async () => {
  await brain?.stop();
  await mesh?.cleanup();
  await model?.close();
});

describe('github + brain (e2e)', () => {
  test('GIVEN "@helix-bot what do you think?" on an issue THEN exactly one reply comment, quoting the asker; a redelivery and Helix\'s own comment get none', async () => {
    const { fake } = mesh;
    model.setReply('I think caching is worth it here.');
    const author = fake.payloads.user('alice', 5001);
    const r = await fake.deliver('issue_comment', fake.payloads.issueComment({ repo, issueNumber: 21, text: 'what do you think?', author }), { url: mesh.bot.webhookUrl, secret: SECRET });
    expect(r.status).toBe(202);
    const onIssue = () => fake.comments.filter((c) => c.issueNumber === 21);
    await eventually(() => onIssue().length === 1, 15_000, 'the reply comment');
    expect(onIssue()[0]!.body).toBe('> what do you think?\n\n@alice\n\nI think caching is worth it here.');
    expect(JSON.stringify(model.requests.at(-1)!.body.messages)).toContain('what do you think?');
    const requests = model.requests.length;

    expect((await fake.redeliver(r.deliveryId)).status).toBe(200);
    // GitHub tells the app about its own comment: no loop.
    const own = await fake.deliver('issue_comment', fake.payloads.issueCommentByApp({ repo, issueNumber: 21, text: onIssue()[0]!.body }), { url: mesh.bot.webhookUrl, secret: SECRET });
    expect(own.status).toBe(200);
    await sleep(1_500);
    expect(onIssue()).toHaveLength(1);
    expect(model.requests.length).toBe(requests);
  });

  test('GIVEN a mention in a GitHub discussion THEN one reply in its thread through GraphQL; a redelivery gets none', async () => {
    const { fake } = mesh;
    model.setReply('Discussions are answered too.');
    const author = fake.payloads.user('bob', 5002);
    const payload = fake.payloads.discussionComment({ repo, discussionNumber: 5, text: 'can you weigh in?', author });
    const r = await fake.deliver('discussion_comment', payload, { url: mesh.bot.webhookUrl, secret: SECRET });
    expect(r.status).toBe(202);
    const inDiscussion = () => fake.discussionComments.filter((c) => c.discussionNumber === 5);
    await eventually(() => inDiscussion().length === 1, 15_000, 'the discussion reply');
    expect(inDiscussion()[0]).toMatchObject({ replyToId: payload.comment.node_id, body: '> can you weigh in?\n\n@bob\n\nDiscussions are answered too.' });
    const requests = model.requests.length;
    expect((await fake.redeliver(r.deliveryId)).status).toBe(200);
    await sleep(1_500);
    expect(inDiscussion()).toHaveLength(1);
    expect(model.requests.length).toBe(requests);
  });
});
