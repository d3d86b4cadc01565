import { describe, expect, test } from 'vitest';
import {
  applyAppraisal, combineRelationships, decayMood, decayRelationship, describeRelationship, moveMood, neutralRelationship,
  type Appraisal, type Mood, type RelationshipState,
} from '../../../identity/index.ts';
import { appraiseText } from '../../../brain/appraise/appraise-text.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const t0 = new Date('2026-01-01T00:00:00Z');
const feel = (s: RelationshipState, texts: string[]) => texts.reduce((acc, t) => applyAppraisal(acc, appraiseText(t)), s);

describe('relationship state', () => {
  test('GIVEN a string of warm turns THEN warmth, trust and familiarity rise', () => {
    const after = feel(neutralRelationship(t0), ['Thank you so much, you are wonderful!', 'I really love talking with you :)', 'You always make my day better, thanks friend']);
    expect(after.warmth).toBeGreaterThan(0.15);
    expect(after.trust).toBeGreaterThan(0);
    expect(after.familiarity).toBeGreaterThan(0.1);
    expect(after.turns).toBe(3);
    expect(describeRelationship(after)).toMatch(/^warm/);
  });

  test('GIVEN hostility after warmth THEN warmth and trust fall, and trust falls faster than it rose', () => {
    const warm = feel(neutralRelationship(t0), ['Thanks, that was really helpful!', 'You are great, I appreciate it']);
    const hostile = feel(warm, ['You are useless and stupid. I hate this!!', 'Shut up, you worthless idiot']);
    expect(hostile.warmth).toBeLessThan(warm.warmth);
    expect(hostile.trust).toBeLessThan(0);
    expect(warm.trust - 0).toBeLessThan(Math.abs(hostile.trust - warm.trust));
  });

  test('GIVEN neutral chat THEN only familiarity moves', () => {
    const after = feel(neutralRelationship(t0), ['The meeting is at 3pm in room 4.']);
    expect(after.warmth).toBe(0);
    expect(after.trust).toBe(0);
    expect(after.familiarity).toBeGreaterThan(0);
  });

  test('GIVEN weeks without contact THEN each half-life halves warmth, trust and familiarity; a clock that went back changes nothing', () => {
    const s: RelationshipState = { warmth: 0.8, trust: -0.4, familiarity: 0.6, turns: 10, updatedAt: t0 };
    const later = decayRelationship(s, new Date(t0.getTime() + 21 * DAY), 21 * DAY);
    expect(later.warmth).toBeCloseTo(0.4, 6);
    expect(later.trust).toBeCloseTo(-0.2, 6);
    expect(later.familiarity).toBeCloseTo(0.3, 6);
    expect(later.turns).toBe(10);
    expect(decayRelationship(s, new Date(t0.getTime() - DAY), 21 * DAY)).toEqual(s);
  });

  test('GIVEN two people merged THEN warmth is weighted by turns and familiarity combines', () => {
    const a: RelationshipState = { warmth: 0.6, trust: 0.3, familiarity: 0.5, turns: 3, updatedAt: t0 };
    const b: RelationshipState = { warmth: -0.2, trust: 0.1, familiarity: 0.5, turns: 1, updatedAt: new Date(t0.getTime() + 1) };
    const c = combineRelationships(a, b);
    expect(c.warmth).toBeCloseTo(0.4, 6);
    expect(c.trust).toBeCloseTo(0.25, 6);
    expect(c.familiarity).toBeCloseTo(0.75, 6);
    expect(c.turns).toBe(4);
    expect(c.updatedAt).toEqual(b.updatedAt);
  });
});

describe('mood', () => {
  const temperament: Mood = { pleasure: 0.3, arousal: 0, dominance: 0.2 };
  const warm: Appraisal = { valence: 0.9, arousal: 0.7 };
  const hostile: Appraisal = { valence: -0.9, arousal: 0.9 };

  test('GIVEN warm turns THEN pleasure rises; GIVEN hostile turns THEN pleasure and dominance fall and arousal rises', () => {
    const up = moveMood(moveMood(temperament, warm), warm);
    expect(up.pleasure).toBeGreaterThan(temperament.pleasure);
    const down = moveMood(moveMood(temperament, hostile), hostile);
    expect(down.pleasure).toBeLessThan(temperament.pleasure);
    expect(down.dominance).toBeLessThan(temperament.dominance);
    expect(down.arousal).toBeGreaterThan(temperament.arousal);
  });

  test('GIVEN hours pass THEN the mood returns toward the temperament (half the distance per half-life)', () => {
    const upset: Mood = { pleasure: -0.7, arousal: 0.6, dominance: -0.2 };
    const later = decayMood(upset, temperament, 3 * HOUR, 3 * HOUR);
    expect(later.pleasure).toBeCloseTo(-0.2, 6);
    expect(later.arousal).toBeCloseTo(0.3, 6);
    expect(later.dominance).toBeCloseTo(0, 6);
    const much = decayMood(upset, temperament, 60 * HOUR, 3 * HOUR);
    expect(much.pleasure).toBeCloseTo(temperament.pleasure, 4);
  });

  test('GIVEN extreme appraisals THEN the mood stays within -1..1', () => {
    let m = temperament;
    for (let i = 0; i < 50; i++) m = moveMood(m, { valence: 5, arousal: 5 });
    expect(Math.max(m.pleasure, m.arousal, m.dominance)).toBeLessThanOrEqual(1);
  });
});

describe('appraisal (VADER)', () => {
  test.each([
    ['I love this, thank you so much!', 'positive'],
    ['You are a horrible, useless bot', 'negative'],
    ['The train leaves at 9.', 'neutral'],
  ])('GIVEN "%s" THEN valence is %s', (text, sign) => {
    const a = appraiseText(text);
    if (sign === 'positive') expect(a.valence).toBeGreaterThan(0.3);
    if (sign === 'negative') expect(a.valence).toBeLessThan(-0.3);
    if (sign === 'neutral') expect(Math.abs(a.valence)).toBeLessThan(0.1);
  });

  test('GIVEN shouting and exclamation marks THEN arousal is higher than for the calm version', () => {
    expect(appraiseText('I AM SO ANGRY AT THIS!!!').arousal).toBeGreaterThan(appraiseText('i am a bit annoyed at this').arousal);
    expect(appraiseText('')).toEqual({ valence: 0, arousal: 0 });
  });
});
