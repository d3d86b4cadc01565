import { splitMessage, type OutboundReply } from '../../mesh/index.ts';
import { COMMENT_MAX_CHARS } from './limits.ts';
import { RouteKey } from './normalize.ts';

/**
 * A reply as GitHub comment bodies (GitHub-flavoured Markdown): the first starts by quoting the asker
 * (`> first lines` then `@login`), then the text; anything longer than {@link COMMENT_MAX_CHARS} is split.
 * Embeds are rendered as a heading, their description and a field list; buttons with URLs as links.
 */
export function renderComments(reply: OutboundReply): string[] {
  const route = reply.conversation.route ?? {};
  const blocks: string[] = [];
  const text = reply.parts.map((p) => p.trim()).filter(Boolean).join('\n\n');
  if (text) blocks.push(text);
  for (const e of reply.embeds) {
    const lines: string[] = [];
    if (e.title) lines.push(`**${e.url ? `[${e.title}](${e.url})` : e.title}**`);
    if (e.description) lines.push(e.description);
    for (const f of e.fields) lines.push(`- **${f.name}:** ${f.value}`);
    if (e.footer) lines.push(`<sub>${e.footer}</sub>`);
    if (lines.length) blocks.push(lines.join('\n'));
  }
  const links = reply.buttons.filter((b) => b.url).map((b) => `[${b.label}](${b.url})`);
  if (links.length) blocks.push(links.join(' · '));
  if (blocks.length === 0) return [];
  const login = route[RouteKey.askerLogin];
  const quote = route[RouteKey.quote];
  const head: string[] = [];
  if (quote) head.push(quote.split('\n').map((l) => `> ${l}`).join('\n'));
  if (login) head.push(`@${login}`);
  const body = [head.join('\n\n'), ...blocks].filter(Boolean).join('\n\n');
  return splitMessage(body, COMMENT_MAX_CHARS);
}
