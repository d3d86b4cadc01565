import { describe, expect, test } from 'vitest';
import { LinkCodeInput, hashLinkCode, newLinkCode } from '../../../identity/index.ts';
import { identityCommandOf } from '../../../brain/identity/identity-command.ts';

describe('link codes', () => {
  test('GIVEN many new codes THEN each is ABCD-EFGH from the unambiguous alphabet, and they do not repeat', () => {
    const codes = Array.from({ length: 2_000 }, () => newLinkCode());
    for (const c of codes) expect(c).toMatch(/^[A-HJKMNP-TV-Z2-9]{4}-[A-HJKMNP-TV-Z2-9]{4}$/);
    expect(new Set(codes).size).toBe(codes.length);
  });

  test.each([
    ['abcd-efgh', 'ABCDEFGH'],
    [' ABCD EFGH ', 'ABCDEFGH'],
    ['a-b-c-d-2-3-4-5', 'ABCD2345'],
  ])('GIVEN "%s" typed THEN it reads as %s', (typed, canonical) => {
    expect(LinkCodeInput.parse(typed)).toBe(canonical);
  });

  test.each(['ABC', 'ABCD-EFGH-J', 'ABCD-EF0H', 'ABCD-EFIH', 'x'.repeat(40), ''])('GIVEN "%s" THEN it is not a code', (typed) => {
    expect(LinkCodeInput.safeParse(typed).success).toBe(false);
  });

  test('GIVEN a code THEN its hash is stable, hex, and not the code', () => {
    expect(hashLinkCode('ABCDEFGH')).toBe(hashLinkCode('ABCDEFGH'));
    expect(hashLinkCode('ABCDEFGH')).toMatch(/^[0-9a-f]{64}$/);
    expect(hashLinkCode('ABCDEFGH')).not.toBe(hashLinkCode('ABCDEFGJ'));
  });
});

describe('identity commands in text', () => {
  test.each([
    ['link', { kind: 'link-request' }],
    ['/link', { kind: 'link-request' }],
    ['  Link! ', { kind: 'link-request' }],
    ['@helix link', { kind: 'link-request' }],
    ['link ABCD-EFGH', { kind: 'link-complete', code: 'ABCD-EFGH' }],
    ['link abcd2345', { kind: 'link-complete', code: 'abcd2345' }],
    ['/link code:ABCD-EFGH', { kind: 'link-complete', code: 'ABCD-EFGH' }],
    ['/link nonsense', { kind: 'link-complete', code: 'nonsense' }],
    ['unlink discord', { kind: 'unlink', platform: 'discord' }],
    ['/unlink', { kind: 'unlink' }],
    ['UNLINK Slack', { kind: 'unlink', platform: 'slack' }],
  ])('GIVEN "%s" THEN it is %j', (text, expected) => {
    expect(identityCommandOf({ text, command: undefined })).toEqual(expected);
  });

  test.each(['link me to the docs please', 'link please', 'linked list question', 'can you link these two?', 'hello', `link ${'A1'.repeat(60)}`])(
    'GIVEN "%s" THEN it is ordinary chat (for the model)',
    (text) => {
      expect(identityCommandOf({ text, command: undefined })).toBeUndefined();
    },
  );

  test('GIVEN an explicit /link command THEN its code option decides request or completion; other commands are not identity commands', () => {
    expect(identityCommandOf({ text: '/link', command: { name: 'link', args: {} } })).toEqual({ kind: 'link-request' });
    expect(identityCommandOf({ text: '/link X', command: { name: 'link', args: { code: ' abcd-efgh ' } } })).toEqual({ kind: 'link-complete', code: 'abcd-efgh' });
    expect(identityCommandOf({ text: 'link', command: { name: 'remember', args: { text: 'link' } } })).toBeUndefined();
    expect(identityCommandOf({ text: '/unlink slack', command: { name: 'unlink', args: { platform: ' Slack ' } } })).toEqual({ kind: 'unlink', platform: 'slack' });
    expect(identityCommandOf({ text: '/unlink', command: { name: 'unlink', args: {} } })).toEqual({ kind: 'unlink' });
  });
});
