import { EMBED_LIMITS } from './limits.ts';

/** A field before fitting; lower `priority` is more important (kept longest). */
export interface DraftField {
  name: string;
  value: string;
  inline?: boolean;
  priority: number;
}

/** An embed before fitting. */
export interface DraftEmbed {
  title: string;
  description: string;
  fields: DraftField[];
  footer: string;
}

/** An embed that fits Discord's limits. */
export interface FittedEmbed {
  title: string;
  description: string;
  fields: Array<{ name: string; value: string; inline: boolean }>;
  footer: string;
}

/** Cuts text to `max` UTF-16 units with an ellipsis, never splitting a surrogate pair. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  let cut = text.slice(0, max - 1);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}

const size = (e: FittedEmbed) => e.title.length + e.description.length + e.footer.length + e.fields.reduce((n, f) => n + f.name.length + f.value.length, 0);

/**
 * Fits an embed to Discord's limits while keeping what matters: every piece is clipped to its own limit,
 * at most 25 fields are kept (most important first), then, while the whole is over 6,000 characters, the
 * description shrinks to a few hundred characters, the least important fields go, and finally the
 * description is cut to what is left. The title, footer and top fields always survive. Pure.
 */
export function fitEmbed(draft: DraftEmbed): FittedEmbed {
  const ranked = draft.fields
    .map((f, i) => ({ ...f, i }))
    .filter((f) => f.name.trim() && f.value.trim())
    .sort((a, b) => a.priority - b.priority || a.i - b.i)
    .slice(0, EMBED_LIMITS.fields);
  let fields = ranked
    .sort((a, b) => a.i - b.i)
    .map((f) => ({ name: clip(f.name, EMBED_LIMITS.fieldName), value: clip(f.value, EMBED_LIMITS.fieldValue), inline: f.inline ?? false, priority: f.priority }));
  const out: FittedEmbed = { title: clip(draft.title, EMBED_LIMITS.title), description: clip(draft.description, EMBED_LIMITS.description), fields, footer: clip(draft.footer, EMBED_LIMITS.footer) };
  const over = () => size({ ...out, fields }) - EMBED_LIMITS.total;
  const MIN_DESCRIPTION = 512;
  if (over() > 0 && out.description.length > MIN_DESCRIPTION) out.description = clip(out.description, Math.max(MIN_DESCRIPTION, out.description.length - over()));
  while (over() > 0 && fields.length > 0) {
    // Drop the least important field (the last of the highest priority number).
    let worst = 0;
    fields.forEach((f, i) => {
      if (f.priority >= (fields[worst]?.priority ?? 0)) worst = i;
    });
    if ((fields[worst]?.priority ?? 0) === 0) break;
    fields = fields.filter((_, i) => i !== worst);
  }
  if (over() > 0) out.description = clip(out.description, Math.max(0, out.description.length - over()));
  while (over() > 0 && fields.length > 0) fields = fields.slice(0, -1);
  return { ...out, fields: fields.map(({ name, value, inline }) => ({ name, value, inline })) };
}
