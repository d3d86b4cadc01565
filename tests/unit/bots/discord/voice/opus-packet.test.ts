import { describe, expect, test } from 'vitest';
import { opusPacketProblem } from '../../../../../bots/discord/voice/opus-packet.ts';
import { encodeOpus, speechPcm } from '../../../../fakes/discord-voice/audio.ts';

const b = (...bytes: number[]) => Buffer.from(bytes);

describe('opusPacketProblem (RFC 6716 section 3.4)', () => {
  test.each([
    ['Discord silence frame f8 ff fe (code 0)', b(0xf8, 0xff, 0xfe)],
    ['code 0 with one byte of payload', b(0x78, 0x01)],
    ['code 0, TOC only (DTX)', b(0x78)],
    ['code 1 with an even payload', b(0x79, 1, 2, 3, 4)],
    ['code 2 with a first-frame length that fits', b(0x7a, 2, 9, 9, 7)],
    ['code 3 CBR, 2 frames of 2 bytes', b(0x7b, 0x02, 1, 2, 3, 4)],
    ['code 3 VBR, 2 frames (1 + rest)', b(0x7b, 0x82, 1, 9, 8, 8)],
    ['code 3 CBR with padding', b(0x7b, 0x41, 2, 7, 0, 0)],
  ])('GIVEN %s THEN it is well-formed', (_name, packet) => {
    expect(opusPacketProblem(packet)).toBeUndefined();
  });

  test.each([
    ['an empty packet', b(), /R1/],
    ['code 1 with an odd payload', b(0x79, 1, 2, 3), /R3/],
    ['code 2 without a length byte', b(0x7a), /R4/],
    ['code 2 with a first frame longer than the packet', b(0x7a, 10, 1), /R4/],
    ['code 3 without a frame count', b(0x7b), /R6/],
    ['code 3 with zero frames', b(0xfb, 0x00, 1, 2), /R5/],
    ['code 3 with 7 frames of 20 ms (140 ms)', b(0xfb, 0x07, ...Array(7).fill(1)), /R5/],
    ['code 3 CBR not divisible by the count', b(0x7b, 0x02, 1, 2, 3), /R6/],
    ['code 3 with padding past the end', b(0x7b, 0x41, 200, 1), /R6/],
    ['code 3 VBR lengths past the end', b(0x7b, 0x83, 5, 5, 1), /R7/],
    ['code 0 frame over 1275 bytes', Buffer.concat([b(0x78), Buffer.alloc(1_276)]), /R2/],
  ])('GIVEN %s THEN it is rejected', (_name, packet, why) => {
    expect(opusPacketProblem(packet)).toMatch(why);
  });

  test('GIVEN real Opus from the encoder THEN every packet passes', async () => {
    const packets = encodeOpus(await speechPcm('one two three'));
    expect(packets.length).toBeGreaterThan(20);
    expect(packets.map(opusPacketProblem).filter(Boolean)).toEqual([]);
  });
});
