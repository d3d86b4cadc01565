import { describe, expect, test } from 'vitest';
import { encodeWyomingEvent, WyomingParser } from '../../../voice/wyoming/framing.ts';

describe('Wyoming framing', () => {
  test('GIVEN an event with data and payload THEN the wire is header line, data_length JSON bytes, payload_length bytes', () => {
    const payload = Buffer.from([1, 2, 3, 4]);
    const bytes = encodeWyomingEvent({ type: 'audio-chunk', data: { rate: 16_000, width: 2, channels: 1 }, payload });
    const nl = bytes.indexOf(0x0a);
    const header = JSON.parse(bytes.subarray(0, nl).toString()) as Record<string, unknown>;
    const data = '{"rate":16000,"width":2,"channels":1}';
    expect(header).toEqual({ type: 'audio-chunk', version: '1.7.0', data_length: data.length, payload_length: 4 });
    expect(bytes.subarray(nl + 1, nl + 1 + data.length).toString()).toBe(data);
    expect(bytes.subarray(nl + 1 + data.length)).toEqual(payload);
  });

  test('GIVEN an event without data THEN no data_length and no payload_length', () => {
    expect(encodeWyomingEvent({ type: 'audio-stop', data: {} }).toString()).toBe('{"type":"audio-stop","version":"1.7.0"}\n');
  });

  test('GIVEN events split at every byte THEN the parser reassembles them, inline data included', () => {
    const a = encodeWyomingEvent({ type: 'transcript', data: { text: 'héllo ✓' } });
    const b = Buffer.from('{"type":"info","data":{"asr":[]},"payload_length":2}\nxy');
    const c = encodeWyomingEvent({ type: 'audio-chunk', data: { rate: 22_050 }, payload: Buffer.alloc(10, 9) });
    const wire = Buffer.concat([a, b, c]);
    const p = new WyomingParser();
    const events = [];
    for (let i = 0; i < wire.length; i++) events.push(...p.push(wire.subarray(i, i + 1)));
    expect(events).toEqual([
      { type: 'transcript', data: { text: 'héllo ✓' } },
      { type: 'info', data: { asr: [] }, payload: Buffer.from('xy') },
      { type: 'audio-chunk', data: { rate: 22_050 }, payload: Buffer.alloc(10, 9) },
    ]);
  });

  test('GIVEN a malformed header THEN voice_engine_rejected', () => {
    expect(() => new WyomingParser().push(Buffer.from('not json\n'))).toThrow(expect.objectContaining({ code: 'voice_engine_rejected' }));
    expect(() => new WyomingParser().push(Buffer.from('{"type":"x","data_length":-1}\n'))).toThrow(/data_length/);
  });
});
