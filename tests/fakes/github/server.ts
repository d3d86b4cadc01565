import { createHmac, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkAppJwt, toPublicKey } from './jwt.ts';
import * as P from './payloads.ts';

export interface FakeGitHubOptions {
  appId: number;
  /** PEM (public or private; the public half is derived) or KeyObject used to verify the app JWT. */
  key: string | KeyObject;
  slug?: string;
  name?: string;
  /** Installation ids that exist (POST access_tokens for any other id is a 404). */
  installations?: number[];
  /** Lifetime of minted installation tokens (GitHub: 1 hour). */
  tokenTtlSeconds?: number;
  /** Primary rate limit per token (GitHub: 5000/h for installations). */
  rateLimit?: number;
}

export type Fault =
  | { kind: 'secondary-rate-limit'; retryAfter?: number }
  | { kind: 'primary-rate-limit' }
  | { kind: 'server-error'; status?: 500 | 502 | 503 | 504 };

export interface ScriptedFault {
  fault: Fault;
  /** Only requests whose "METHOD /path" matches are affected (default: any). */
  match?: RegExp;
  /** How many matching requests fail (default 1). */
  times?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
  status: number;
}

export interface RecordedComment {
  id: number;
  owner: string;
  repo: string;
  issueNumber: number;
  body: string;
  token: string;
  installationId: number;
  /** Value of the x-github-delivery header @octokit/app copies onto requests made inside a webhook handler. */
  deliveryHeader: string | undefined;
  object: ReturnType<typeof P.issueCommentObject>;
}

/** A comment the app added to a discussion through GraphQL `addDiscussionComment`. */
export interface RecordedDiscussionComment {
  nodeId: string;
  owner: string;
  repo: string;
  discussionNumber: number;
  discussionId: string;
  /** The top-level comment it answers under, when threaded. */
  replyToId: string | undefined;
  body: string;
  token: string;
  installationId: number;
}

interface Discussion extends P.RepoRef {
  number: number;
  /** Node ids of its top-level comments: the only valid `replyToId`s (GitHub threads one level deep). */
  topLevel: Set<string>;
}

export interface DeliveryOptions {
  url: string;
  secret: string;
  /** Send a signature that does not verify: 'wrong-secret' (default when true), 'tampered-body' or 'missing'. */
  forge?: boolean | 'wrong-secret' | 'tampered-body' | 'missing';
  deliveryId?: string;
}

export interface DeliveryResult {
  deliveryId: string;
  status: number;
  responseBody: string;
}

const DOCS = 'https://docs.github.com/rest';
const SECONDARY_MSG = 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.';

export const sign = (secret: string, body: string): string => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

interface Issue extends P.IssueInit, P.RepoRef {}

export async function startFakeGitHub(opts: FakeGitHubOptions) {
  const publicKey = toPublicKey(opts.key);
  const slug = opts.slug ?? 'helix-bot';
  const app: P.AppInfo = {
    appId: opts.appId,
    slug,
    name: opts.name ?? 'Helix',
    botUser: P.makeUser(`${slug}[bot]`, 41_000_000 + opts.appId, 'Bot'),
    owner: P.makeUser('helix-org', 9_000_001, 'Organization'),
  };
  const installations = new Set(opts.installations ?? [1001]);
  const ttl = opts.tokenTtlSeconds ?? 3600;
  const limit = opts.rateLimit ?? 5000;
  const tokens = new Map<string, { installationId: number; expiresAt: number }>();
  const used = new Map<string, number>();
  const issues = new Map<string, Issue>();
  const comments: RecordedComment[] = [];
  const discussions = new Map<string, Discussion>();
  const discussionComments: RecordedDiscussionComment[] = [];
  const requests: RecordedRequest[] = [];
  const faults: ScriptedFault[] = [];
  const tokenMints = new Map<number, number>();
  const deliveries = new Map<string, { event: string; raw: string; opts: DeliveryOptions }>();
  const resetAt = Math.floor(Date.now() / 1000) + 3600;
  const issueKey = (o: string, r: string, n: number) => `${o}/${r}#${n}`.toLowerCase();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown = undefined;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = raw;
      }
      handle(req, res, body).catch((err: unknown) => send(req, res, body, 500, { message: String(err) }));
    });
  });

  function send(req: IncomingMessage, res: ServerResponse, reqBody: unknown, status: number, payload: unknown, headers: Record<string, string> = {}, rate?: string) {
    const requestId = randomBytes(8).toString('hex').toUpperCase();
    const h: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'x-github-media-type': 'github.v3; format=json',
      'x-github-api-version-selected': '2022-11-28',
      'x-github-request-id': requestId,
      date: new Date().toUTCString(),
      ...headers,
    };
    if (rate !== undefined && !('x-ratelimit-remaining' in h)) {
      const u = used.get(rate) ?? 0;
      Object.assign(h, {
        'x-ratelimit-limit': String(limit),
        'x-ratelimit-remaining': String(Math.max(0, limit - u)),
        'x-ratelimit-used': String(u),
        'x-ratelimit-reset': String(resetAt),
        'x-ratelimit-resource': 'core',
      });
    }
    requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: reqBody, status });
    res.writeHead(status, h);
    res.end(status === 204 ? undefined : JSON.stringify(payload));
  }

  const error = (message: string, status: number, doc = DOCS) => ({ message, documentation_url: doc, status: String(status) });

  function takeFault(route: string): Fault | undefined {
    const i = faults.findIndex((f) => !f.match || f.match.test(route));
    if (i < 0) return undefined;
    const f = faults[i]!;
    f.times = (f.times ?? 1) - 1;
    if (f.times <= 0) faults.splice(i, 1);
    return f.fault;
  }

  async function handle(req: IncomingMessage, res: ServerResponse, body: unknown) {
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname.replace(/^\/api\/v3(?=\/)/, '');
    const method = req.method ?? 'GET';
    const route = `${method} ${path}`;
    const auth = req.headers.authorization ?? '';
    const [scheme = '', cred = ''] = auth.split(/\s+/, 2);
    const reply = (status: number, payload: unknown, headers?: Record<string, string>, rate?: string) =>
      send(req, res, body, status, payload, headers, rate);

    // ---- app (JWT) endpoints
    if (path === '/app' || path.startsWith('/app/')) {
      if (!/^bearer$/i.test(scheme) || !cred) return reply(401, error('A JSON web token could not be decoded', 401));
      const check = checkAppJwt(cred, publicKey, opts.appId);
      if (!check.ok) return reply(401, error(check.message, 401));
      const fault = takeFault(route);
      if (fault) return sendFault(fault, reply, `jwt:${opts.appId}`);
      if (method === 'GET' && path === '/app') return reply(200, { ...P.integration(app), installations_count: installations.size });
      const m = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(path);
      if (method === 'POST' && m) {
        const id = Number(m[1]);
        if (!installations.has(id)) return reply(404, error('Not Found', 404));
        tokenMints.set(id, (tokenMints.get(id) ?? 0) + 1);
        const token = `ghs_${randomBytes(18).toString('base64url').replace(/[-_]/g, 'x')}`;
        const expiresAt = Date.now() + ttl * 1000;
        tokens.set(token, { installationId: id, expiresAt });
        return reply(201, {
          token,
          expires_at: new Date(expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          permissions: P.integration(app).permissions,
          repository_selection: 'all',
        });
      }
      return reply(404, error('Not Found', 404));
    }

    // ---- installation-token endpoints
    if (!auth) return reply(401, error('Requires authentication', 401));
    if (!/^(token|bearer)$/i.test(scheme)) return reply(401, error('Bad credentials', 401));
    const tok = tokens.get(cred);
    if (!tok || tok.expiresAt <= Date.now()) return reply(401, error('Bad credentials', 401));
    used.set(cred, (used.get(cred) ?? 0) + 1);
    const fault = takeFault(route);
    if (fault) return sendFault(fault, reply, cred);
    if ((used.get(cred) ?? 0) > limit) return sendFault({ kind: 'primary-rate-limit' }, reply, cred);

    let m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)$/.exec(path);
    if (m && method === 'GET') {
      const [, o, r, n] = m as unknown as [string, string, string, string];
      const issue = issues.get(issueKey(o, r, Number(n)));
      if (!issue) return reply(404, error('Not Found', 404, `${DOCS}/issues/issues#get-an-issue`), {}, cred);
      return reply(200, P.issueObject({ owner: issue.owner, repo: issue.repo }, issue), {}, cred);
    }
    m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(path);
    if (m && method === 'POST') {
      const [, o, r, n] = m as unknown as [string, string, string, string];
      const issue = issues.get(issueKey(o, r, Number(n)));
      if (!issue) return reply(404, error('Not Found', 404, `${DOCS}/issues/comments#create-an-issue-comment`), {}, cred);
      const text = (body as { body?: unknown } | undefined)?.body;
      if (typeof text !== 'string' || text.length === 0) {
        return reply(422, { ...error('Validation Failed', 422), errors: [{ resource: 'IssueComment', code: 'missing_field', field: 'body' }] }, {}, cred);
      }
      const object = P.issueCommentObject({ owner: issue.owner, repo: issue.repo }, issue.number, { body: text, user: app.botUser, viaApp: app }, issue.isPullRequest ?? false);
      issue.comments = (issue.comments ?? 0) + 1;
      const dh = req.headers['x-github-delivery'];
      comments.push({
        id: object.id, owner: issue.owner, repo: issue.repo, issueNumber: issue.number, body: text, token: cred,
        installationId: tok.installationId, deliveryHeader: typeof dh === 'string' ? dh : undefined, object,
      });
      return reply(201, object, { location: object.url }, cred);
    }
    if (path === '/graphql' && method === 'POST') return graphql(body, cred, tok.installationId, (p) => reply(200, p, {}, cred));
    return reply(404, error('Not Found', 404), {}, cred);
  }

  /**
   * GitHub's GraphQL endpoint, for the one mutation a bot needs: `addDiscussionComment`. Like GitHub,
   * failures are HTTP 200 with an `errors` list (type NOT_FOUND, UNPROCESSABLE...), partial `data` null.
   */
  function graphql(body: unknown, cred: string, installationId: number, ok: (payload: unknown) => void) {
    const b = (body ?? {}) as { query?: unknown; variables?: Record<string, unknown> };
    const gqlError = (type: string, message: string) => ok({ data: { addDiscussionComment: null }, errors: [{ type, path: ['addDiscussionComment'], locations: [{ line: 2, column: 3 }], message }] });
    if (typeof b.query !== 'string' || !/\bmutation\b[\s\S]*\baddDiscussionComment\s*\(/.test(b.query)) {
      return ok({ errors: [{ message: 'this fake answers only the addDiscussionComment mutation', locations: [{ line: 1, column: 1 }] }] });
    }
    const v = b.variables ?? {};
    const discussionId = v['discussionId'];
    const text = v['body'];
    const replyToId = v['replyToId'];
    if (typeof discussionId !== 'string') return ok({ errors: [{ message: "Variable $discussionId of type ID! was provided invalid value", locations: [{ line: 1, column: 10 }] }] });
    const d = discussions.get(discussionId);
    if (!d) return gqlError('NOT_FOUND', `Could not resolve to a node with the global id of '${discussionId}'`);
    if (typeof text !== 'string' || text.trim() === '') return gqlError('UNPROCESSABLE', "Body can't be blank");
    if (text.length > 65_536) return gqlError('UNPROCESSABLE', 'Body is too long (maximum is 65536 characters)');
    if (replyToId !== undefined && replyToId !== null && (typeof replyToId !== 'string' || !d.topLevel.has(replyToId))) {
      return gqlError('UNPROCESSABLE', 'Parent comment must be a top-level comment of this discussion');
    }
    const id = P.nextId();
    const nodeId = P.nodeId('DC', id);
    if (!replyToId) d.topLevel.add(nodeId);
    discussionComments.push({
      nodeId, owner: d.owner, repo: d.repo, discussionNumber: d.number, discussionId, replyToId: typeof replyToId === 'string' ? replyToId : undefined,
      body: text, token: cred, installationId,
    });
    return ok({ data: { addDiscussionComment: { comment: { id: nodeId, url: `https://github.com/${d.owner}/${d.repo}/discussions/${d.number}#discussioncomment-${id}` } } } });
  }

  function sendFault(f: Fault, reply: (s: number, p: unknown, h?: Record<string, string>, rate?: string) => void, rate: string) {
    if (f.kind === 'secondary-rate-limit') {
      return reply(403, error(SECONDARY_MSG, 403, `${DOCS}/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits`), { 'retry-after': String(f.retryAfter ?? 60) }, rate);
    }
    if (f.kind === 'primary-rate-limit') {
      return reply(403, error('API rate limit exceeded for installation.', 403, `${DOCS}/overview/rate-limits-for-the-rest-api#about-primary-rate-limits`), {
        'x-ratelimit-limit': String(limit), 'x-ratelimit-remaining': '0', 'x-ratelimit-used': String(limit),
        'x-ratelimit-reset': String(resetAt), 'x-ratelimit-resource': 'core',
      }, rate);
    }
    return reply(f.status ?? 502, f.status === 500 ? error('Server Error', 500) : { message: 'Server Error' }, {}, rate);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;

  async function post(event: string, raw: string, o: DeliveryOptions, deliveryId: string): Promise<DeliveryResult> {
    const forge = o.forge === true ? 'wrong-secret' : o.forge;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/fake',
      'x-github-event': event,
      'x-github-delivery': deliveryId,
      'x-github-hook-id': '123456789',
      'x-github-hook-installation-target-type': 'integration',
      'x-github-hook-installation-target-id': String(opts.appId),
    };
    if (forge !== 'missing') {
      const secret = forge === 'wrong-secret' ? `${o.secret}-forged` : o.secret;
      headers['x-hub-signature-256'] = sign(secret, raw);
      headers['x-hub-signature'] = `sha1=${createHmac('sha1', secret).update(raw).digest('hex')}`;
    }
    const sent = forge === 'tampered-body' ? raw.replace(/}$/, ',"tampered":true}') : raw;
    const r = await fetch(o.url, { method: 'POST', headers, body: sent });
    return { deliveryId, status: r.status, responseBody: await r.text() };
  }

  const common = (installationId?: number) => ({ installationId: installationId ?? [...installations][0] ?? 1001 });

  return {
    baseUrl,
    app,
    comments,
    discussionComments,
    requests,
    /** Number of installation tokens minted (all installations, or one). */
    tokenMintCount: (installationId?: number) =>
      installationId === undefined ? [...tokenMints.values()].reduce((a, b) => a + b, 0) : tokenMints.get(installationId) ?? 0,
    seedIssue(ref: P.RepoRef & Omit<P.IssueInit, 'user'> & { user?: P.FakeUser }) {
      issues.set(issueKey(ref.owner, ref.repo, ref.number), { ...ref, user: ref.user ?? P.makeUser('octocat', 583231) });
    },
    /** Queue a fault for the next matching request(s) (after authentication succeeded). */
    failNext(f: ScriptedFault) {
      faults.push({ ...f });
    },
    /** Expire every minted token (the next API call gets 401 Bad credentials). */
    expireTokens() {
      for (const t of tokens.values()) t.expiresAt = 0;
    },
    deliver(event: string, payload: object, o: DeliveryOptions): Promise<DeliveryResult> {
      const id = o.deliveryId ?? randomUUID();
      const raw = JSON.stringify(payload);
      deliveries.set(id, { event, raw, opts: { ...o, forge: false } });
      return post(event, raw, o, id);
    },
    /** Resend a delivery byte-for-byte with the same X-GitHub-Delivery id (what "Redeliver" in the app settings does). */
    redeliver(id: string, override?: Partial<DeliveryOptions>): Promise<DeliveryResult> {
      const d = deliveries.get(id);
      if (!d) throw new Error(`unknown delivery ${id}`);
      return post(d.event, d.raw, { ...d.opts, ...override }, id);
    },
    payloads: {
      user: (login: string, id = 1_000 + login.length) => P.makeUser(login, id),
      /** issue_comment.created by `author`, mentioning @slug unless `mention: false`. */
      issueComment(o: { repo: P.RepoRef; issueNumber: number; text: string; author?: P.FakeUser; mention?: boolean; installationId?: number; isPullRequest?: boolean }) {
        const author = o.author ?? P.makeUser('octocat', 583231);
        return P.issueCommentCreated({
          ...common(o.installationId), repo: o.repo, sender: author,
          issue: { number: o.issueNumber, title: 'Issue title', body: 'Issue body', user: author, isPullRequest: o.isPullRequest ?? false, comments: 1 },
          comment: { body: o.mention === false ? o.text : `@${slug} ${o.text}`, user: author },
        });
      },
      /** issues.opened with an @mention of the app in the body. */
      issueOpened(o: { repo: P.RepoRef; issueNumber: number; title: string; text: string; author?: P.FakeUser; installationId?: number }) {
        const author = o.author ?? P.makeUser('octocat', 583231);
        return P.issuesOpened({ ...common(o.installationId), repo: o.repo, sender: author, issue: { number: o.issueNumber, title: o.title, body: `@${slug} ${o.text}`, user: author } });
      },
      pullRequestReviewComment(o: { repo: P.RepoRef; pullNumber: number; text: string; author?: P.FakeUser; installationId?: number }) {
        const author = o.author ?? P.makeUser('octocat', 583231);
        return P.pullRequestReviewCommentCreated({ ...common(o.installationId), repo: o.repo, sender: author, author, pullNumber: o.pullNumber, title: 'PR title', body: `@${slug} ${o.text}` });
      },
      /** discussion_comment.created; the discussion (and the comment, when top-level) become known to the GraphQL API. */
      discussionComment(o: { repo: P.RepoRef; discussionNumber: number; text: string; author?: P.FakeUser; installationId?: number; parentId?: number }) {
        const author = o.author ?? P.makeUser('octocat', 583231);
        const payload = P.discussionCommentCreated({ ...common(o.installationId), repo: o.repo, sender: author, author, discussionNumber: o.discussionNumber, title: 'Discussion', body: `@${slug} ${o.text}`, parentId: o.parentId ?? null });
        const known = discussions.get(payload.discussion.node_id) ?? { ...o.repo, number: o.discussionNumber, topLevel: new Set<string>() };
        if (o.parentId === undefined) known.topLevel.add(payload.comment.node_id);
        discussions.set(payload.discussion.node_id, known);
        return payload;
      },
      /** issue_comment.created authored by the app's own bot user (what GitHub sends after the bot comments): the bot must ignore it. */
      issueCommentByApp(o: { repo: P.RepoRef; issueNumber: number; text: string; installationId?: number }) {
        return P.issueCommentCreated({
          ...common(o.installationId), repo: o.repo, sender: app.botUser,
          issue: { number: o.issueNumber, title: 'Issue title', body: 'Issue body', user: P.makeUser('octocat', 583231), comments: 2 },
          comment: { body: o.text, user: app.botUser, viaApp: app },
        });
      },
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

export type FakeGitHub = Awaited<ReturnType<typeof startFakeGitHub>>;
