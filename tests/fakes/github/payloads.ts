/**
 * Webhook payload builders. Field names follow @octokit/openapi-webhooks-types (issue_comment.created, issues.opened,
 * pull_request_review_comment.created, discussion_comment.created); only the fields a bot plausibly reads are filled,
 * the rest of GitHub's very large objects (repository has ~90 keys) are omitted.
 */
export interface FakeUser {
  login: string;
  id: number;
  node_id: string;
  type: 'User' | 'Bot' | 'Organization';
  site_admin: boolean;
  html_url: string;
  url: string;
  avatar_url: string;
}

export interface AppInfo {
  appId: number;
  slug: string;
  name: string;
  botUser: FakeUser;
  owner: FakeUser;
}

export interface RepoRef {
  owner: string;
  repo: string;
}

const WEB = 'https://github.com';
const API = 'https://api.github.com';
const iso = (d = new Date()): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
let seq = 1;
export const nextId = (): number => 2_000_000_000 + seq++;
export const nodeId = (prefix: string, id: number): string => `${prefix}_kw${Buffer.from(String(id)).toString('base64url')}`;

export function makeUser(login: string, id: number, type: FakeUser['type'] = 'User'): FakeUser {
  return {
    login,
    id,
    node_id: nodeId(type === 'Bot' ? 'BOT' : 'U', id),
    type,
    site_admin: false,
    html_url: `${WEB}/${type === 'Bot' ? `apps/${login.replace(/\[bot\]$/, '')}` : login}`,
    url: `${API}/users/${encodeURIComponent(login)}`,
    avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
  };
}

const emptyReactions = (url: string) => ({
  url: `${url}/reactions`, total_count: 0, '+1': 0, '-1': 0, laugh: 0, hooray: 0, confused: 0, heart: 0, rocket: 0, eyes: 0,
});

export function integration(app: AppInfo) {
  return {
    id: app.appId,
    slug: app.slug,
    node_id: nodeId('A', app.appId),
    client_id: `Iv23li${String(app.appId).padStart(10, '0')}`,
    owner: app.owner,
    name: app.name,
    description: `${app.name} (fake)`,
    external_url: `https://example.invalid/${app.slug}`,
    html_url: `${WEB}/apps/${app.slug}`,
    created_at: '2025-01-01T00:00:00Z',
    updated_at: '2025-01-01T00:00:00Z',
    permissions: { issues: 'write', pull_requests: 'write', discussions: 'write', metadata: 'read' },
    events: ['issue_comment', 'issues', 'pull_request_review_comment', 'discussion_comment'],
  };
}

export function repository(ref: RepoRef, id = 1_296_269) {
  const owner = makeUser(ref.owner, 9_000_001, 'Organization');
  return {
    id,
    node_id: nodeId('R', id),
    name: ref.repo,
    full_name: `${ref.owner}/${ref.repo}`,
    private: false,
    owner,
    html_url: `${WEB}/${ref.owner}/${ref.repo}`,
    url: `${API}/repos/${ref.owner}/${ref.repo}`,
    default_branch: 'main',
  };
}

export interface IssueInit {
  number: number;
  title: string;
  body: string | null;
  user: FakeUser;
  /** Set for a pull request (issue_comment on a PR carries `issue.pull_request`). */
  isPullRequest?: boolean;
  state?: 'open' | 'closed';
  comments?: number;
}

export function issueObject(ref: RepoRef, init: IssueInit) {
  const id = 1_000_000 + init.number;
  const url = `${API}/repos/${ref.owner}/${ref.repo}/issues/${init.number}`;
  const kind = init.isPullRequest ? 'pull' : 'issues';
  return {
    url,
    repository_url: `${API}/repos/${ref.owner}/${ref.repo}`,
    labels_url: `${url}/labels{/name}`,
    comments_url: `${url}/comments`,
    events_url: `${url}/events`,
    html_url: `${WEB}/${ref.owner}/${ref.repo}/${kind}/${init.number}`,
    id,
    node_id: nodeId(init.isPullRequest ? 'PR' : 'I', id),
    number: init.number,
    title: init.title,
    user: init.user,
    labels: [],
    state: init.state ?? 'open',
    state_reason: null,
    locked: false,
    assignee: null,
    assignees: [],
    milestone: null,
    comments: init.comments ?? 0,
    created_at: '2025-06-01T12:00:00Z',
    updated_at: iso(),
    closed_at: null,
    author_association: 'CONTRIBUTOR',
    active_lock_reason: null,
    body: init.body,
    reactions: emptyReactions(url),
    timeline_url: `${url}/timeline`,
    performed_via_github_app: null,
    ...(init.isPullRequest
      ? {
          pull_request: {
            url: `${API}/repos/${ref.owner}/${ref.repo}/pulls/${init.number}`,
            html_url: `${WEB}/${ref.owner}/${ref.repo}/pull/${init.number}`,
            diff_url: `${WEB}/${ref.owner}/${ref.repo}/pull/${init.number}.diff`,
            patch_url: `${WEB}/${ref.owner}/${ref.repo}/pull/${init.number}.patch`,
            merged_at: null,
          },
        }
      : {}),
  };
}

export interface CommentInit {
  id?: number;
  body: string;
  user: FakeUser;
  /** The app that made the comment (GitHub sets `performed_via_github_app` for comments made with an installation token). */
  viaApp?: AppInfo;
  authorAssociation?: string;
}

export function issueCommentObject(ref: RepoRef, issueNumber: number, init: CommentInit, isPullRequest = false) {
  const id = init.id ?? nextId();
  const kind = isPullRequest ? 'pull' : 'issues';
  const url = `${API}/repos/${ref.owner}/${ref.repo}/issues/comments/${id}`;
  const now = iso();
  return {
    url,
    html_url: `${WEB}/${ref.owner}/${ref.repo}/${kind}/${issueNumber}#issuecomment-${id}`,
    issue_url: `${API}/repos/${ref.owner}/${ref.repo}/issues/${issueNumber}`,
    id,
    node_id: nodeId('IC', id),
    user: init.user,
    created_at: now,
    updated_at: now,
    author_association: init.authorAssociation ?? (init.user.type === 'Bot' ? 'NONE' : 'CONTRIBUTOR'),
    body: init.body,
    reactions: emptyReactions(url),
    performed_via_github_app: init.viaApp ? integration(init.viaApp) : null,
  };
}

export const simpleInstallation = (installationId: number) => ({ id: installationId, node_id: nodeId('MDIz', installationId) });

export interface EventCommon {
  repo: RepoRef;
  installationId: number;
  sender: FakeUser;
}

/** `issue_comment` / `created`. */
export function issueCommentCreated(o: EventCommon & { issue: IssueInit; comment: CommentInit }) {
  return {
    action: 'created' as const,
    issue: issueObject(o.repo, o.issue),
    comment: issueCommentObject(o.repo, o.issue.number, o.comment, o.issue.isPullRequest ?? false),
    repository: repository(o.repo),
    sender: o.sender,
    installation: simpleInstallation(o.installationId),
  };
}

/** `issues` / `opened`. */
export function issuesOpened(o: EventCommon & { issue: IssueInit }) {
  return {
    action: 'opened' as const,
    issue: issueObject(o.repo, o.issue),
    repository: repository(o.repo),
    sender: o.sender,
    installation: simpleInstallation(o.installationId),
  };
}

/** `pull_request_review_comment` / `created` (a diff comment on a PR). */
export function pullRequestReviewCommentCreated(
  o: EventCommon & { pullNumber: number; title: string; body: string; author: FakeUser; path?: string; line?: number },
) {
  const id = nextId();
  const { owner, repo } = o.repo;
  const prUrl = `${API}/repos/${owner}/${repo}/pulls/${o.pullNumber}`;
  const url = `${API}/repos/${owner}/${repo}/pulls/comments/${id}`;
  const sha = 'a'.repeat(40);
  const now = iso();
  const line = o.line ?? 3;
  return {
    action: 'created' as const,
    comment: {
      url,
      pull_request_review_id: id + 1,
      id,
      node_id: nodeId('PRRC', id),
      diff_hunk: '@@ -1,3 +1,4 @@\n line1\n line2\n+line3',
      path: o.path ?? 'src/index.ts',
      position: line,
      original_position: line,
      commit_id: sha,
      original_commit_id: sha,
      user: o.author,
      body: o.body,
      created_at: now,
      updated_at: now,
      html_url: `${WEB}/${owner}/${repo}/pull/${o.pullNumber}#discussion_r${id}`,
      pull_request_url: prUrl,
      author_association: 'CONTRIBUTOR',
      _links: {
        self: { href: url },
        html: { href: `${WEB}/${owner}/${repo}/pull/${o.pullNumber}#discussion_r${id}` },
        pull_request: { href: prUrl },
      },
      reactions: emptyReactions(url),
      start_line: null,
      original_start_line: null,
      start_side: null,
      line,
      original_line: line,
      side: 'RIGHT' as const,
      subject_type: 'line' as const,
    },
    pull_request: {
      url: prUrl,
      id: 3_000_000 + o.pullNumber,
      node_id: nodeId('PR', 3_000_000 + o.pullNumber),
      html_url: `${WEB}/${owner}/${repo}/pull/${o.pullNumber}`,
      issue_url: `${API}/repos/${owner}/${repo}/issues/${o.pullNumber}`,
      number: o.pullNumber,
      state: 'open' as const,
      locked: false,
      title: o.title,
      user: o.sender,
      body: null,
      created_at: '2025-06-01T12:00:00Z',
      updated_at: now,
      closed_at: null,
      merged_at: null,
      merge_commit_sha: null,
      draft: false,
      head: { label: `${owner}:feature`, ref: 'feature', sha, user: o.sender, repo: repository(o.repo) },
      base: { label: `${owner}:main`, ref: 'main', sha: 'b'.repeat(40), user: o.sender, repo: repository(o.repo) },
      author_association: 'CONTRIBUTOR',
    },
    repository: repository(o.repo),
    sender: o.sender,
    installation: simpleInstallation(o.installationId),
  };
}

/** `discussion_comment` / `created`. */
export function discussionCommentCreated(
  o: EventCommon & { discussionNumber: number; title: string; body: string; author: FakeUser; parentId?: number | null },
) {
  const id = nextId();
  const discussionId = 4_000_000 + o.discussionNumber;
  const { owner, repo } = o.repo;
  const html = `${WEB}/${owner}/${repo}/discussions/${o.discussionNumber}`;
  const now = iso();
  return {
    action: 'created' as const,
    comment: {
      id,
      node_id: nodeId('DC', id),
      html_url: `${html}#discussioncomment-${id}`,
      parent_id: o.parentId ?? null,
      child_comment_count: 0,
      repository_url: `${API}/repos/${owner}/${repo}`,
      discussion_id: discussionId,
      author_association: 'CONTRIBUTOR',
      user: o.author,
      created_at: now,
      updated_at: now,
      body: o.body,
      reactions: emptyReactions(`${API}/repos/${owner}/${repo}/discussions/comments/${id}`),
    },
    discussion: {
      repository_url: `${API}/repos/${owner}/${repo}`,
      category: {
        id: 1, node_id: 'DIC_kwA', repository_id: 1_296_269, emoji: ':speech_balloon:', name: 'General', description: '',
        created_at: '2025-01-01T00:00:00Z', updated_at: '2025-01-01T00:00:00Z', slug: 'general', is_answerable: false,
      },
      answer_html_url: null,
      answer_chosen_at: null,
      answer_chosen_by: null,
      html_url: html,
      id: discussionId,
      node_id: nodeId('D', discussionId),
      number: o.discussionNumber,
      title: o.title,
      user: o.sender,
      state: 'open' as const,
      state_reason: null,
      locked: false,
      comments: 1,
      created_at: '2025-06-01T12:00:00Z',
      updated_at: now,
      author_association: 'CONTRIBUTOR',
      active_lock_reason: null,
      body: 'Discussion body',
    },
    repository: repository(o.repo),
    sender: o.sender,
    installation: simpleInstallation(o.installationId),
  };
}
