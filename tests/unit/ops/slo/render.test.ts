import { describe, expect, test } from 'vitest';
import { Embed, OutboundReply } from '../../../../mesh/index.ts';
import { BUDGET_COLORS, EMBED_LIMITS, budgetForAlert, budgetOf, budgetSummary, renderSloBudgets, type SloBudget } from '../../../../ops/slo/index.ts';

const DAY = 86_400_000;
const now = new Date('2026-11-30T01:00:00Z');
const budget = (slo: string, remaining: number | undefined, burnRate: number | undefined, service = 'helix'): SloBudget =>
  budgetOf({ service, slo, objective: 99.9, window: '30d', windowMs: 30 * DAY, remaining, burnRate, description: `${slo} description` });

describe('budgetOf', () => {
  test.each([
    ['half left, burning 15x', 0.5, 15, 'burning', DAY],
    ['whole, not burning', 1, 0, 'ok', Number.POSITIVE_INFINITY],
    ['spent', -0.2, 3, 'exhausted', 0],
    ['no data', undefined, undefined, 'no_data', undefined],
    ['slow burn', 0.9, 0.5, 'ok', 54 * DAY],
  ])('GIVEN %s THEN status and time to exhaustion follow', (_what, remaining, burn, status, exhaustsInMs) => {
    const b = budget('x', remaining, burn);
    expect(b.status).toBe(status);
    if (exhaustsInMs === undefined) expect(b.exhaustsInMs).toBeUndefined();
    else expect(b.exhaustsInMs).toBeCloseTo(exhaustsInMs, -3);
  });

  test('GIVEN alert labels THEN the matching SLO budget is found', () => {
    const all = [budget('a', 1, 0), budget('b', 0.5, 15)];
    expect(budgetForAlert(all, { service: 'helix', slo: 'b', severity: 'page' })?.slo).toBe('b');
    expect(budgetForAlert(all, { service: 'other', slo: 'b' })).toBeUndefined();
  });
});

describe('budgetSummary (for pages)', () => {
  test('GIVEN a burning SLO THEN the line has the budget left, the burn rate and the time to exhaustion', () => {
    expect(budgetSummary(budget('turn-success', 0.5, 15))).toBe('helix turn-success (99.9% over 30d): error budget 50.0% left; burning 15×, runs out in 1 d at this rate.');
  });
  test('GIVEN a spent budget or no data THEN the line says so', () => {
    expect(budgetSummary(budget('x', -0.1, 4))).toContain('the budget is spent');
    expect(budgetSummary(budget('x', undefined, undefined))).toContain('no error budget data');
  });
});

describe('renderSloBudgets', () => {
  test('GIVEN mixed SLOs THEN the worst comes first, the color is the worst, and the embed fits an OutboundReply', () => {
    const embed = renderSloBudgets([budget('fine', 0.95, 0.2), budget('hot', 0.4, 20), budget('gone', -0.5, 2), budget('new', undefined, undefined)], { now, service: 'helix' });
    expect(embed.title).toBe('SLOs of helix');
    expect(embed.color).toBe(BUDGET_COLORS.exhausted);
    expect(embed.fields.map((f) => f.name)).toEqual(['⛔ helix / gone', '🔥 helix / hot', '❔ helix / new', '✅ helix / fine']);
    expect(embed.fields[1]?.value).toContain('Budget left: **40.0%**');
    expect(embed.fields[1]?.value).toContain('runs out in');
    expect(embed.description).toBe('1 exhausted · 1 burning · 1 ok · 1 without data');
    const reply = OutboundReply.safeParse({ v: 1, platform: 'discord', replyId: 'slo-1', conversation: { id: '1', kind: 'group' }, parts: [], embeds: [embed], traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', createdAt: now.toISOString() });
    expect(reply.success).toBe(true);
  });

  test('GIVEN 40 SLOs with long descriptions THEN at most 25 fields and 6000 characters, and the footer counts the rest', () => {
    const many = Array.from({ length: 40 }, (_, i) => ({ ...budget(`slo-${i}-${'x'.repeat(200)}`, 0.5, 2), description: 'd'.repeat(900) }));
    const embed = renderSloBudgets(many, { now });
    expect(Embed.safeParse(embed).success).toBe(true);
    expect(embed.fields.length).toBeLessThanOrEqual(EMBED_LIMITS.fields);
    const total = (embed.title?.length ?? 0) + (embed.description?.length ?? 0) + (embed.footer?.length ?? 0) + embed.fields.reduce((n, f) => n + f.name.length + f.value.length, 0);
    expect(total).toBeLessThanOrEqual(EMBED_LIMITS.total);
    expect(embed.footer).toBe(`${40 - embed.fields.length} more SLOs not shown; ask /slo <service>`);
  });

  test('GIVEN no SLOs for a service THEN the embed says which service had none', () => {
    const embed = renderSloBudgets([], { now, service: 'nope' });
    expect(embed.description).toContain('No SLOs are defined for nope');
    expect(Embed.safeParse(embed).success).toBe(true);
  });
});
