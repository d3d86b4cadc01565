import { describe, expect, test } from 'vitest';
import { jobIdFor, safePart } from '../../../mesh/index.ts';

describe('jobIdFor', () => {
  test('GIVEN an all-digit Discord snowflake THEN the id is not all digits and has no colon', () => {
    const id = jobIdFor('discord', '1234567890123456789');
    expect(id).toBe('discord-1234567890123456789');
    expect(id).not.toMatch(/^\d+$/);
  });

  test.each([
    ['slack', 'Ev08MFMKH6:retry'],
    ['github', 'a/b#12'],
    ['web', 'x'.repeat(300)],
  ] as const)('GIVEN %s event id %j with unsafe characters THEN the id is hashed, colon-free and stable', (platform, eventId) => {
    const id = jobIdFor(platform, eventId);
    expect(id).not.toContain(':');
    expect(id).toMatch(/^[a-z]+-h[0-9a-f]{40}$/);
    expect(jobIdFor(platform, eventId)).toBe(id);
  });

  test('GIVEN two ids that differ only in an unsafe character THEN their job ids differ', () => {
    expect(safePart('a:b')).not.toBe(safePart('a;b'));
    expect(jobIdFor('web', 'a:b')).not.toBe(jobIdFor('slack', 'a:b'));
  });
});
