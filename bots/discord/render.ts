import { splitMessage, type Button, type Embed, type OutboundReply } from '../../mesh/index.ts';
import { MAX_BUTTONS_PER_ROW, MAX_CONTENT_CHARS, MAX_EMBED_TOTAL_CHARS, MAX_EMBEDS_PER_MESSAGE, MAX_ROWS_PER_MESSAGE } from './limits.ts';

/** A Discord embed as the API takes it. */
export interface EmbedBody {
  title?: string;
  description?: string;
  url?: string;
  color?: number;
  fields?: Array<{ name: string; value: string; inline: boolean }>;
  footer?: { text: string };
  timestamp?: string;
}

/** A button inside an action row, as the API takes it. */
export interface ButtonBody {
  type: 2;
  style: number;
  label: string;
  custom_id?: string;
  url?: string;
  disabled: boolean;
}

/** One Discord message to post (or to edit in place). */
export interface RenderedMessage {
  content?: string;
  embeds: EmbedBody[];
  components: Array<{ type: 1; components: ButtonBody[] }>;
  /** Role ids this message may ping (the reply's `mentionRoles`). */
  allowedRoles?: string[];
}

/** @see https://discord.com/developers/docs/components/reference#button-button-styles */
const STYLE: Record<Button['style'], number> = { primary: 1, secondary: 2, success: 3, danger: 4, link: 5 };

/**
 * Turns a reply into the Discord messages that show it: each text part split to 2,000 characters
 * (never inside a code block), embeds packed 10 and 6,000 characters to a message, and buttons as
 * action rows of five on the last message. Pure; the order of the result is the order to post.
 */
export function renderReply(reply: Pick<OutboundReply, 'parts' | 'embeds' | 'buttons'> & { mentionRoles?: readonly string[] }): RenderedMessage[] {
  const texts = reply.parts.flatMap((p) => (p.trim() ? splitMessage(p, MAX_CONTENT_CHARS) : []));
  const embedGroups = packEmbeds(reply.embeds.map(toEmbedBody));
  const rows = buttonRows(reply.buttons);
  const messages: RenderedMessage[] = texts.map((content) => ({ content, embeds: [], components: [] }));
  // Embeds ride on the last text message when there is one; further groups get messages of their own.
  embedGroups.forEach((group, i) => {
    const last = messages.at(-1);
    if (i === 0 && last) last.embeds = group;
    else messages.push({ embeds: group, components: [] });
  });
  if (rows.length) {
    const last = messages.at(-1);
    if (last) last.components = rows;
    else messages.push({ embeds: [], components: rows });
  }
  if (reply.mentionRoles?.length) for (const m of messages) m.allowedRoles = [...reply.mentionRoles];
  return messages;
}

function toEmbedBody(e: Embed): EmbedBody {
  return {
    ...(e.title ? { title: e.title } : {}),
    ...(e.description ? { description: e.description } : {}),
    ...(e.url ? { url: e.url } : {}),
    ...(e.color !== undefined ? { color: e.color } : {}),
    ...(e.fields.length ? { fields: e.fields.map((f) => ({ name: f.name, value: f.value, inline: f.inline })) } : {}),
    ...(e.footer ? { footer: { text: e.footer } } : {}),
    ...(e.timestamp ? { timestamp: e.timestamp } : {}),
  };
}

/** Characters Discord counts toward an embed's size. */
export function embedChars(e: EmbedBody): number {
  return (e.title?.length ?? 0) + (e.description?.length ?? 0) + (e.footer?.text.length ?? 0) + (e.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0);
}

/** Groups embeds so no message holds more than 10 or more than 6,000 characters; an embed bigger alone is trimmed. */
function packEmbeds(embeds: EmbedBody[]): EmbedBody[][] {
  const groups: EmbedBody[][] = [];
  let current: EmbedBody[] = [];
  let size = 0;
  for (const raw of embeds) {
    const e = fitEmbed(raw);
    const n = embedChars(e);
    if (current.length && (current.length >= MAX_EMBEDS_PER_MESSAGE || size + n > MAX_EMBED_TOTAL_CHARS)) {
      groups.push(current);
      current = [];
      size = 0;
    }
    current.push(e);
    size += n;
  }
  if (current.length) groups.push(current);
  return groups;
}

/** Trims one embed to 6,000 characters: fields from the end first, then the description. */
function fitEmbed(e: EmbedBody): EmbedBody {
  const out: EmbedBody = { ...e, ...(e.fields ? { fields: [...e.fields] } : {}) };
  while (embedChars(out) > MAX_EMBED_TOTAL_CHARS && out.fields?.length) out.fields.pop();
  const over = embedChars(out) - MAX_EMBED_TOTAL_CHARS;
  if (over > 0 && out.description) out.description = `${out.description.slice(0, Math.max(0, out.description.length - over - 1))}…`;
  return out;
}

/** Buttons as action rows of five (at most five rows); a repeated action keeps its first button (Discord refuses duplicate ids). */
function buttonRows(buttons: readonly Button[]): RenderedMessage['components'] {
  const seen = new Set<string>();
  const bodies: ButtonBody[] = [];
  for (const b of buttons) {
    if (b.style === 'link') {
      if (!b.url) continue;
      bodies.push({ type: 2, style: STYLE.link, label: b.label, url: b.url, disabled: b.disabled });
      continue;
    }
    if (seen.has(b.action)) continue;
    seen.add(b.action);
    bodies.push({ type: 2, style: STYLE[b.style], label: b.label, custom_id: b.action, disabled: b.disabled });
  }
  const rows: RenderedMessage['components'] = [];
  for (let i = 0; i < bodies.length && rows.length < MAX_ROWS_PER_MESSAGE; i += MAX_BUTTONS_PER_ROW) rows.push({ type: 1, components: bodies.slice(i, i + MAX_BUTTONS_PER_ROW) });
  return rows;
}
