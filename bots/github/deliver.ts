import {
  HelixError, startReplyDelivery, type DeliveryWiring,
  type MeshConsumer,
} from '../../mesh/index.ts';
import type { DeliveryLedger } from '../../mesh/index.ts';
import type { GitHubMetrics } from './github-metrics.ts';
import { RouteKey } from './normalize.ts';
import { renderComments } from './render.ts';
import { toHelixError } from './rest-errors.ts';

/** The part of an installation Octokit delivery uses. */
export interface CommentClient {
  request(route: 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments', params: { owner: string; repo: string; issue_number: number; body: string }): Promise<{ data: { id: number } }>;
  /** GitHub's GraphQL API (`POST /graphql`): discussions have no REST endpoint for comments. */
  graphql<T>(query: string, variables: Record<string, unknown>): Promise<T>;
}

/**
 * Adds a comment to a discussion, in the thread of `replyToId` when given.
 * @see https://docs.github.com/en/graphql/reference/mutations#adddiscussioncomment
 */
export const ADD_DISCUSSION_COMMENT = `mutation($discussionId: ID!, $body: String!, $replyToId: ID) {
  addDiscussionComment(input: {discussionId: $discussionId, body: $body, replyToId: $replyToId}) {
    comment { id url }
  }
}`;

interface AddDiscussionCommentResult {
  addDiscussionComment: { comment: { id: string; url: string } | null } | null;
}

export interface GitHubDeliveryOptions extends DeliveryWiring {
  githubMetrics: GitHubMetrics;
  ledger: DeliveryLedger;
  /** An Octokit authenticated as the installation (`app.getInstallationOctokit`; its token is cached). */
  installation(id: number): Promise<CommentClient>;
}

/**
 * Consumes `outbound-github`: posts the reply as comment(s) on the issue or pull request it answers,
 * as the installation, at most once per reply id and comment index (the ledger). A discussion has no
 * REST comments endpoint: its replies go through GraphQL (`addDiscussionComment`), in the asker's thread.
 */
export function startGitHubDelivery(opts: GitHubDeliveryOptions): MeshConsumer {
  const { ledger, githubMetrics: gm } = opts;
  return startReplyDelivery({
    platform: 'github',
    wiring: opts,
    defaultConcurrency: 4,
    skipped: () => gm.deliveries.inc({ outcome: 'skipped' }),
    async deliver(reply, job, log) {
      const route = reply.conversation.route ?? {};
      const discussion = route[RouteKey.target] === 'discussion';
      const discussionId = route[RouteKey.discussionNodeId];
      if (discussion && !discussionId) {
        gm.deliveries.inc({ outcome: 'rejected' });
        throw new HelixError('platform_rejected', `reply ${reply.replyId} answers a GitHub discussion but its route has no discussionNodeId (a turn queued by an older bot?)`);
      }
      const owner = route[RouteKey.owner];
      const repo = route[RouteKey.repo];
      const number = Number(route[RouteKey.number]);
      const installationId = Number(route[RouteKey.installationId]);
      if (!owner || !repo || !Number.isInteger(number) || number <= 0 || !Number.isInteger(installationId) || installationId <= 0) {
        gm.deliveries.inc({ outcome: 'rejected' });
        throw new HelixError('platform_rejected', `conversation ${reply.conversation.id} has no GitHub route (owner, repo, number, installationId)`);
      }
      const bodies = renderComments(reply);
      if (bodies.length === 0) {
        gm.deliveries.inc({ outcome: 'skipped' });
        log.warn('empty reply skipped');
        return { outcome: 'skipped' };
      }
      const done = await ledger.posted(reply.replyId);
      let posted = 0;
      try {
        const octokit = await opts.installation(installationId);
        for (const [i, body] of bodies.entries()) {
          if (done.has(i)) continue;
          let id: string;
          if (discussion) {
            const replyToId = route[RouteKey.replyToNodeId];
            const result = await octokit.graphql<AddDiscussionCommentResult>(ADD_DISCUSSION_COMMENT, { discussionId, body, ...(replyToId ? { replyToId } : {}) });
            const comment = result.addDiscussionComment?.comment;
            if (!comment) throw new HelixError('platform_rejected', `GitHub returned no comment for addDiscussionComment on ${owner}/${repo} discussion #${number}`);
            id = comment.id;
          } else {
            const { data } = await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { owner, repo, issue_number: number, body });
            id = String(data.id);
          }
          await ledger.record(reply.replyId, i, id);
          gm.comments.inc();
          posted++;
        }
      } catch (err) {
        const e = toHelixError(err, `reply ${reply.replyId} on ${owner}/${repo}${discussion ? '/discussions' : ''}#${number}`);
        gm.deliveries.inc({ outcome: e.code === 'platform_rate_limited' ? 'rate_limited' : e.code === 'platform_rejected' ? 'rejected' : 'failed' });
        if (e.code === 'platform_rate_limited') log.warn({ retry_after_ms: e.retryAfterMs, attempt: job.attemptsMade + 1 }, 'rate-limited by GitHub; the queue retries after Retry-After');
        throw e;
      }
      const outcome = posted === 0 ? 'duplicate' : 'posted';
      gm.deliveries.inc({ outcome });
      log.info({ outcome, comments: posted, issue: `${owner}/${repo}#${number}` }, 'reply delivered');
      return { outcome, comments: posted };
    },
  });
}
