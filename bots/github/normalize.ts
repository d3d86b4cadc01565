import { InboundTurn, MAX_INBOUND_TEXT_CHARS, type InboundTurnInput } from '../../mesh/index.ts';
import { QUOTE_MAX_CHARS, QUOTE_MAX_LINES } from './limits.ts';

/** Keys of a GitHub conversation's route (copied by the brain from the turn into its reply). */
export const RouteKey = {
  owner: 'owner',
  repo: 'repo',
  number: 'number',
  installationId: 'installationId',
  /** `issue` (issues and pull requests share the issue comments API) or `discussion`. */
  target: 'target',
  /** The asker's login and the first lines of what they asked: quoted at the top of the reply. */
  askerLogin: 'askerLogin',
  quote: 'quote',
  /** Discussions only: the discussion's GraphQL node id (`addDiscussionComment` needs it). */
  discussionNodeId: 'discussionNodeId',
  /** Discussions only: the top-level comment to answer under (GitHub threads one level deep). */
  replyToNodeId: 'replyToNodeId',
} as const;

export type GitHubTarget = 'issue' | 'discussion';

/** What the bot knows about itself: the app's slug (its handle is `@<slug>`, its user `<slug>[bot]`). */
export interface AppIdentity {
  slug: string;
  appId?: number;
}

/** Why a delivery made no turn (a metrics label). */
export type SkipReason = 'unsupported_event' | 'unsupported_action' | 'own_comment' | 'bot' | 'no_mention' | 'malformed';

export type Normalized = { turn: InboundTurn } | { skip: SkipReason };

interface User {
  login?: unknown;
  type?: unknown;
}
interface Payload {
  action?: unknown;
  sender?: User;
  installation?: { id?: unknown };
  repository?: { name?: unknown; owner?: { login?: unknown } };
  issue?: { number?: unknown; title?: unknown; body?: unknown; node_id?: unknown; user?: User; pull_request?: unknown; performed_via_github_app?: { id?: unknown; slug?: unknown } | null };
  comment?: { id?: unknown; node_id?: unknown; body?: unknown; user?: User; performed_via_github_app?: { id?: unknown; slug?: unknown } | null; in_reply_to_id?: unknown; parent_id?: unknown };
  pull_request?: { number?: unknown; title?: unknown };
  discussion?: { number?: unknown; title?: unknown; node_id?: unknown };
}

/** `github-<owner>/<repo>#<n>` for an issue or PR, `github-<owner>/<repo>/discussions#<n>` for a discussion. */
export function conversationIdFor(owner: string, repo: string, number: number, target: GitHubTarget): string {
  return `github-${owner}/${repo}${target === 'discussion' ? '/discussions' : ''}#${number}`.toLowerCase();
}

/** True when `text` mentions `@slug` as a whole handle (not `@slug-other`, not inside an e-mail or a path). */
export function mentions(text: string, slug: string): boolean {
  const esc = slug.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\w@/.-])@${esc}(?![\\w-])`, 'i').test(text);
}

/** The text with the app's handle taken out (`@helix what do you think?` → `what do you think?`). */
export function withoutHandle(text: string, slug: string): string {
  const esc = slug.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const stripped = text.replace(new RegExp(`(^|[^\\w@/.-])@${esc}(?![\\w-])[,:]?\\s*`, 'gi'), '$1').trim();
  return stripped || text.trim();
}

/** The first lines of a text, as quoted at the top of a reply. */
export function quoteOf(text: string): string {
  const lines = text.trim().split(/\r?\n/).filter((l) => l.trim() !== '').slice(0, QUOTE_MAX_LINES);
  let q = lines.join('\n');
  if (q.length > QUOTE_MAX_CHARS) q = `${q.slice(0, QUOTE_MAX_CHARS - 1).trimEnd()}…`;
  else if (text.trim().split(/\r?\n/).filter((l) => l.trim() !== '').length > QUOTE_MAX_LINES) q += ' …';
  return q;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const int = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined);

/** Whether a comment or issue was written by this app (or any bot: Helix never answers bots, so two bots cannot loop). */
function authoredBy(app: AppIdentity, user: User | undefined, via: { id?: unknown; slug?: unknown } | null | undefined, sender: User | undefined): SkipReason | undefined {
  const own = `${app.slug}[bot]`.toLowerCase();
  if (via && (via.slug === app.slug || (app.appId !== undefined && via.id === app.appId))) return 'own_comment';
  if (str(user?.login)?.toLowerCase() === own || str(sender?.login)?.toLowerCase() === own) return 'own_comment';
  if (user?.type === 'Bot' || sender?.type === 'Bot') return 'bot';
  return undefined;
}

/**
 * A webhook delivery as an inbound turn, or why it makes none. Pure: the clock and trace context are
 * passed in. The event id is the comment's (or issue's) node id, so a redelivery of the same comment,
 * and the `edited` delivery of an issue already answered, are the same event (deduplicated on the queue).
 */
export function toInboundTurn(event: string, body: unknown, app: AppIdentity, receivedAt: Date, traceparent: string): Normalized {
  if (typeof body !== 'object' || body === null) return { skip: 'malformed' };
  const p = body as Payload;
  const action = str(p.action);
  let target: GitHubTarget = 'issue';
  let number: number | undefined;
  let title: string | undefined;
  let text: string | undefined;
  let nodeId: string | undefined;
  let user: User | undefined;
  let via: { id?: unknown; slug?: unknown } | null | undefined;
  let discussionRoute: Record<string, string> = {};
  switch (event) {
    case 'issue_comment':
      if (action !== 'created') return { skip: 'unsupported_action' };
      ({ number, title } = { number: int(p.issue?.number), title: str(p.issue?.title) });
      ({ text, nodeId, user, via } = { text: str(p.comment?.body), nodeId: str(p.comment?.node_id) ?? (int(p.comment?.id) ? `issue-comment-${String(p.comment?.id)}` : undefined), user: p.comment?.user, via: p.comment?.performed_via_github_app });
      break;
    case 'issues':
      if (action !== 'opened' && action !== 'edited') return { skip: 'unsupported_action' };
      ({ number, title } = { number: int(p.issue?.number), title: str(p.issue?.title) });
      ({ text, user, via } = { text: [str(p.issue?.title), str(p.issue?.body)].filter(Boolean).join('\n\n'), user: p.issue?.user, via: p.issue?.performed_via_github_app });
      nodeId = str(p.issue?.node_id) ?? (number ? `issue-${number}` : undefined);
      // The title is part of what was asked; quote and answer the body when it carries the mention.
      if (text && str(p.issue?.body) && mentions(str(p.issue?.body)!, app.slug)) text = str(p.issue?.body);
      break;
    case 'pull_request_review_comment':
      if (action !== 'created') return { skip: 'unsupported_action' };
      ({ number, title } = { number: int(p.pull_request?.number), title: str(p.pull_request?.title) });
      ({ text, nodeId, user, via } = { text: str(p.comment?.body), nodeId: str(p.comment?.node_id) ?? (int(p.comment?.id) ? `review-comment-${String(p.comment?.id)}` : undefined), user: p.comment?.user, via: p.comment?.performed_via_github_app });
      break;
    case 'discussion_comment':
      if (action !== 'created') return { skip: 'unsupported_action' };
      target = 'discussion';
      ({ number, title } = { number: int(p.discussion?.number), title: str(p.discussion?.title) });
      ({ text, nodeId, user, via } = { text: str(p.comment?.body), nodeId: str(p.comment?.node_id) ?? (int(p.comment?.id) ? `discussion-comment-${String(p.comment?.id)}` : undefined), user: p.comment?.user, via: p.comment?.performed_via_github_app });
      {
        // Replies go through GraphQL, which names things by node id. GitHub threads discussion
        // comments one level deep: a top-level comment is answered under itself; a reply inside a
        // thread names its parent only by database id, so Helix answers it at the top level.
        const discussionNodeId = str(p.discussion?.node_id);
        const commentNodeId = str(p.comment?.node_id);
        if (!discussionNodeId) return { skip: 'malformed' };
        discussionRoute = { [RouteKey.discussionNodeId]: discussionNodeId };
        if (commentNodeId && (p.comment?.parent_id === null || p.comment?.parent_id === undefined)) discussionRoute[RouteKey.replyToNodeId] = commentNodeId;
      }
      break;
    default:
      return { skip: 'unsupported_event' };
  }
  const owner = str(p.repository?.owner?.login);
  const repo = str(p.repository?.name);
  const installationId = int(p.installation?.id);
  const login = str(user?.login) ?? str(p.sender?.login);
  if (!owner || !repo || !number || !installationId || !login || !nodeId || text === undefined) return { skip: 'malformed' };
  const by = authoredBy(app, user, via, p.sender);
  if (by) return { skip: by };
  if (!mentions(text, app.slug)) return { skip: 'no_mention' };
  const asked = withoutHandle(text, app.slug).slice(0, MAX_INBOUND_TEXT_CHARS);
  const fullTitle = `${owner}/${repo}#${number}${title ? `: ${title}` : ''}`;
  const turn = InboundTurn.parse({
    v: 1,
    platform: 'github',
    eventId: nodeId,
    conversation: {
      id: conversationIdFor(owner, repo, number, target),
      kind: 'group',
      title: fullTitle.length > 256 ? `${fullTitle.slice(0, 255)}…` : fullTitle,
      route: {
        [RouteKey.owner]: owner,
        [RouteKey.repo]: repo,
        [RouteKey.number]: String(number),
        [RouteKey.installationId]: String(installationId),
        [RouteKey.target]: target,
        [RouteKey.askerLogin]: login,
        [RouteKey.quote]: quoteOf(asked),
        ...discussionRoute,
      },
    },
    author: { accountId: login, displayName: login, isBot: false },
    text: asked,
    mentions: [{ accountId: `${app.slug}[bot]`, displayName: app.slug, isHelix: true }],
    attachments: [],
    receivedAt: receivedAt.toISOString(),
    modality: 'text',
    traceparent,
  } satisfies InboundTurnInput);
  return { turn };
}
