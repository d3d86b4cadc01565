/**
 * Frame duration (in tenths of a millisecond) of each Opus TOC configuration (RFC 6716 section 3.1, table 2):
 * 0-11 SILK 10/20/40/60 ms, 12-15 hybrid 10/20 ms, 16-31 CELT 2.5/5/10/20 ms.
 * @see https://www.rfc-editor.org/rfc/rfc6716#section-3.1
 */
function frameTenthsMs(config: number): number {
  if (config < 12) return [100, 200, 400, 600][config % 4]!;
  if (config < 16) return [100, 200][config % 2]!;
  return [25, 50, 100, 200][config % 4]!;
}

const MAX_FRAME_BYTES = 1_275;

/** Reads a frame length (1 or 2 bytes, RFC 6716 section 3.2.1); undefined when the bytes run out. */
function frameLength(p: Buffer, at: number): { len: number; size: number } | undefined {
  if (at >= p.length) return undefined;
  const b0 = p[at]!;
  if (b0 < 252) return { len: b0, size: 1 };
  if (at + 1 >= p.length) return undefined;
  return { len: p[at + 1]! * 4 + b0, size: 2 };
}

/**
 * Why `packet` is not a well-formed Opus packet (RFC 6716 section 3.4, requirements R1-R7), or undefined when
 * it is. This is the framing check only, cheap enough for every 20 ms packet: a corrupt payload that is
 * framed correctly still reaches the decoder, which must survive it. Discord's `f8 ff fe` silence frame passes.
 * @see https://www.rfc-editor.org/rfc/rfc6716#section-3.4
 */
export function opusPacketProblem(packet: Buffer): string | undefined {
  if (packet.length < 1) return 'empty packet (R1)';
  const toc = packet[0]!;
  const code = toc & 0x03;
  const n = packet.length - 1;
  switch (code) {
    case 0:
      return n > MAX_FRAME_BYTES ? 'frame longer than 1275 bytes (R2)' : undefined;
    case 1:
      if (n % 2 !== 0) return 'code 1 with an odd payload length (R3)';
      return n / 2 > MAX_FRAME_BYTES ? 'frame longer than 1275 bytes (R2)' : undefined;
    case 2: {
      const first = frameLength(packet, 1);
      if (!first) return 'code 2 without a frame length (R4)';
      const rest = n - first.size;
      if (first.len > rest) return 'code 2 first frame longer than the packet (R4)';
      return rest - first.len > MAX_FRAME_BYTES || first.len > MAX_FRAME_BYTES ? 'frame longer than 1275 bytes (R2)' : undefined;
    }
    default: {
      if (n < 1) return 'code 3 without a frame count (R6)';
      const fc = packet[1]!;
      const count = fc & 0x3f;
      if (count === 0) return 'code 3 with zero frames (R5)';
      if (count * frameTenthsMs(toc >> 3) > 1_200) return 'more than 120 ms of audio (R5)';
      let at = 2;
      let padding = 0;
      if (fc & 0x40) {
        for (;;) {
          if (at >= packet.length) return 'padding length runs past the packet (R6/R7)';
          const b = packet[at++]!;
          padding += b === 255 ? 254 : b;
          if (b !== 255) break;
        }
      }
      let lengths = 0;
      if (fc & 0x80) {
        for (let i = 0; i < count - 1; i++) {
          const fl = frameLength(packet, at);
          if (!fl) return 'VBR frame lengths run past the packet (R7)';
          if (fl.len > MAX_FRAME_BYTES) return 'frame longer than 1275 bytes (R2)';
          at += fl.size;
          lengths += fl.len;
        }
        const last = packet.length - at - padding - lengths;
        if (last < 0) return 'VBR frames longer than the packet (R7)';
        return last > MAX_FRAME_BYTES ? 'frame longer than 1275 bytes (R2)' : undefined;
      }
      const body = packet.length - at - padding;
      if (body < 0) return 'padding longer than the packet (R6)';
      if (body % count !== 0) return 'CBR payload not a multiple of the frame count (R6)';
      return body / count > MAX_FRAME_BYTES ? 'frame longer than 1275 bytes (R2)' : undefined;
    }
  }
}
