import type { PlatformCapabilities } from '../../mesh/index.ts';

/**
 * Converts the model's CommonMark to a platform's dialect. Code spans and fenced blocks are left alone.
 * Hand-written: the conversions are a handful of inline rules, and a full Markdown AST library would
 * still need the same per-platform rendering written on top.
 */
export function toDialect(text: string, dialect: PlatformCapabilities['markdown']): string {
  if (dialect === 'commonmark' || dialect === 'github' || dialect === 'discord') return text;
  return mapOutsideCode(text, (s) => (dialect === 'slack-mrkdwn' ? toSlack(s) : toPlain(s)));
}

function toSlack(s: string): string {
  return s
    .replace(/^#{1,6}\s+(.+)$/gm, '*$1*')
    .replace(/\*\*(.+?)\*\*/g, '*$1*')
    .replace(/__(.+?)__/g, '*$1*')
    .replace(/~~(.+?)~~/g, '~$1~')
    .replace(/\[([^\]]+)\]\((https?:\/\/[^)\s]+)\)/g, '<$2|$1>');
}

function toPlain(s: string): string {
  return s
    .replace(/^#{1,6}\s+/gm, '')
    .replace(/\*\*(.+?)\*\*/g, '$1')
    .replace(/__(.+?)__/g, '$1')
    .replace(/~~(.+?)~~/g, '$1')
    .replace(/(^|[^*])\*([^*\n]+)\*/g, '$1$2')
    .replace(/\[([^\]]+)\]\((https?:\/\/[^)\s]+)\)/g, '$1 ($2)');
}

/** Applies `fn` to the text outside fenced blocks and inline code. */
function mapOutsideCode(text: string, fn: (s: string) => string): string {
  return text
    .split(/(```[\s\S]*?```|`[^`\n]*`)/g)
    .map((part, i) => (i % 2 === 1 ? part : fn(part)))
    .join('');
}
