import { splitMessage, type OutboundReply } from '../../mesh/index.ts';
import { MESSAGE_MAX_CHARS } from './limits.ts';

/**
 * A reply as Chat message texts: every part, each split to {@link MESSAGE_MAX_CHARS}; embeds as a bold
 * title, their text and fields; link buttons as `<url|label>` (Chat's link syntax).
 * @see https://developers.google.com/workspace/chat/format-messages
 */
export function renderTexts(reply: OutboundReply): string[] {
  const texts = [...reply.parts];
  for (const e of reply.embeds) {
    const lines = [e.title ? `*${e.title}*` : '', e.description ?? '', ...e.fields.map((f) => `*${f.name}*: ${f.value}`), e.url ?? '', e.footer ? `_${e.footer}_` : ''].filter(Boolean);
    if (lines.length) texts.push(lines.join('\n'));
  }
  const links = reply.buttons.filter((b) => b.url).map((b) => `<${b.url}|${b.label}>`);
  if (links.length) texts.push(links.join(' · '));
  return texts.filter((t) => t.trim() !== '').flatMap((t) => splitMessage(t, MESSAGE_MAX_CHARS));
}
