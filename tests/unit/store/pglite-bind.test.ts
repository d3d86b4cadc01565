import { protocol } from '@electric-sql/pglite';
import { describe, expect, test } from 'vitest';
import { bindMessage, type BindValue } from '../../../store/pglite-bind.ts';

const pgliteBind = (statement: string, values: BindValue[]) => Buffer.from(protocol.serialize.bind({ statement, values }));

describe('Bind message', () => {
  test('GIVEN text, empty, null and multi-byte values THEN the bytes equal PGlite\'s own serializer', () => {
    const values: BindValue[] = ['web', '', null, 'héllo 👋 — 你好', '2026-11-30T22:00:00.000Z', 'x'.repeat(5_000)];
    expect(Buffer.from(bindMessage('helix_12', values))).toEqual(pgliteBind('helix_12', values));
  });

  test('GIVEN bytes THEN they go in binary format, as PGlite sends them', () => {
    const values: BindValue[] = [new Uint8Array([0, 1, 2, 255]), 'after', new Uint8Array(0)];
    expect(Buffer.from(bindMessage('helix_3', values))).toEqual(pgliteBind('helix_3', values));
  });

  test('GIVEN the unnamed statement and no values THEN the message is the empty bind', () => {
    expect(Buffer.from(bindMessage('', []))).toEqual(pgliteBind('', []));
    expect([...bindMessage('', [])]).toEqual([0x42, 0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  test('GIVEN more values than the protocol counts THEN it refuses instead of sending a wrong count', () => {
    expect(() => bindMessage('s', new Array<BindValue>(65_536).fill('1'))).toThrow(/at most 65535/);
  });
});
