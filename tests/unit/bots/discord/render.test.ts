import { describe, expect, test } from 'vitest';
import { embedChars, renderReply } from '../../../../bots/discord/render.ts';
import { Button, Embed } from '../../../../mesh/index.ts';

const embed = (patch: Record<string, unknown> = {}) => Embed.parse({ title: 't', ...patch });
const button = (action: string, patch: Record<string, unknown> = {}) => Button.parse({ action, label: action, ...patch });

describe('renderReply', () => {
  test('GIVEN parts over 2,000 characters THEN each is split and every chunk fits', () => {
    const out = renderReply({ parts: ['a'.repeat(10) + ' ' + 'word '.repeat(700), 'short'], embeds: [], buttons: [] });
    expect(out.length).toBe(3);
    expect(out.every((m) => (m.content?.length ?? 0) <= 2_000)).toBe(true);
    expect(out.at(-1)!.content).toBe('short');
  });

  test('GIVEN text, embeds and buttons THEN embeds and buttons ride on the last text message', () => {
    const out = renderReply({ parts: ['one', 'two'], embeds: [embed()], buttons: [button('ops:ack:1')] });
    expect(out.map((m) => [m.content, m.embeds.length, m.components.length])).toEqual([['one', 0, 0], ['two', 1, 1]]);
  });

  test('GIVEN 12 embeds or more than 6,000 characters of them THEN they are spread over messages within the limits', () => {
    const twelve = renderReply({ parts: [], embeds: Array.from({ length: 12 }, () => embed()), buttons: [] });
    expect(twelve.map((m) => m.embeds.length)).toEqual([10, 2]);
    const heavy = renderReply({ parts: ['x'], embeds: [embed({ description: 'd'.repeat(4_000) }), embed({ description: 'd'.repeat(4_000) })], buttons: [] });
    expect(heavy.map((m) => m.embeds.length)).toEqual([1, 1]);
    const huge = renderReply({ parts: [], embeds: [embed({ description: 'd'.repeat(4_096), fields: Array.from({ length: 25 }, (_, i) => ({ name: `f${i}`, value: 'v'.repeat(1_024) })) })], buttons: [] });
    expect(embedChars(huge[0]!.embeds[0]!)).toBeLessThanOrEqual(6_000);
  });

  test('GIVEN 12 buttons with a repeated action and a link THEN rows of at most five, duplicates dropped, link buttons by URL', () => {
    const buttons = [...Array.from({ length: 10 }, (_, i) => button(`ops:a:${i}`)), button('ops:a:0'), button('docs', { style: 'link', url: 'https://example.com/' })];
    const [m] = renderReply({ parts: [], embeds: [], buttons });
    expect(m!.components.map((r) => r.components.length)).toEqual([5, 5, 1]);
    expect(m!.components[2]!.components[0]).toMatchObject({ style: 5, url: 'https://example.com/' });
    expect(m!.components[2]!.components[0]!.custom_id).toBeUndefined();
  });

  test('GIVEN nothing to show THEN no message', () => {
    expect(renderReply({ parts: ['   '], embeds: [], buttons: [] })).toEqual([]);
  });
});
