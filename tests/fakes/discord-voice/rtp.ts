// RTP framing and the `aead_aes256_gcm_rtpsize` transport encryption Discord voice uses, plus the
// UDP IP-discovery packets. Node crypto only.
//
// Packet on the wire (rtpsize modes): RTP header (12 bytes, +4 when the X bit is set: 0xBEDE + u16 length in
// 32-bit words) in the clear and used as AAD | ciphertext (the header-extension body is encrypted with the
// payload) | 16-byte GCM tag | 4-byte big-endian nonce counter. The 12-byte AES nonce is that counter in
// bytes 0-3 and zeros after (@discordjs/voice dist/index.js:1778-1822 sending, 2050-2112 receiving).
import { createCipheriv, createDecipheriv } from 'node:crypto';

export const RTP_OPUS_PAYLOAD_TYPE = 120;
export const AES_GCM_MODE = 'aead_aes256_gcm_rtpsize';
const TAG_LENGTH = 16;
const NONCE_SUFFIX = 4;
/** Discord clients end a talk spurt with five of these (an Opus "silence" frame). */
export const OPUS_SILENCE_FRAME = Buffer.from([0xf8, 0xff, 0xfe]);

export interface RtpHeader {
  sequence: number;
  timestamp: number;
  ssrc: number;
  /** Header-extension body (multiple of 4 bytes) to put after 0xBEDE; encrypted with the payload. */
  extension?: Buffer;
}

function nonceBuffer(counter: number): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeUInt32BE(counter >>> 0, 0);
  return nonce;
}

/** Builds one encrypted voice packet. */
export function encryptRtp(key: Buffer, header: RtpHeader, opus: Buffer, nonceCounter: number): Buffer {
  const ext = header.extension;
  if (ext && ext.length % 4 !== 0) throw new Error('RTP header extension body must be a multiple of 4 bytes');
  const head = Buffer.alloc(ext ? 16 : 12);
  head[0] = ext ? 0x90 : 0x80;
  head[1] = RTP_OPUS_PAYLOAD_TYPE;
  head.writeUInt16BE(header.sequence & 0xffff, 2);
  head.writeUInt32BE(header.timestamp >>> 0, 4);
  head.writeUInt32BE(header.ssrc >>> 0, 8);
  if (ext) {
    head.writeUInt16BE(0xbede, 12);
    head.writeUInt16BE(ext.length / 4, 14);
  }
  const cipher = createCipheriv('aes-256-gcm', key, nonceBuffer(nonceCounter));
  cipher.setAAD(head);
  const body = Buffer.concat([cipher.update(ext ? Buffer.concat([ext, opus]) : opus), cipher.final()]);
  const suffix = Buffer.alloc(NONCE_SUFFIX);
  suffix.writeUInt32BE(nonceCounter >>> 0, 0);
  return Buffer.concat([head, body, cipher.getAuthTag(), suffix]);
}

export interface DecryptedRtp {
  version: number;
  payloadType: number;
  sequence: number;
  timestamp: number;
  ssrc: number;
  nonce: number;
  opus: Buffer;
}

/** Reads the RTP header of a packet (no decryption); undefined when it is too short to be RTP. */
export function readRtpHeader(packet: Buffer): Omit<DecryptedRtp, 'opus' | 'nonce'> | undefined {
  if (packet.length < 12) return undefined;
  return { version: packet[0]! >> 6, payloadType: packet[1]! & 0x7f, sequence: packet.readUInt16BE(2), timestamp: packet.readUInt32BE(4), ssrc: packet.readUInt32BE(8) };
}

/** Decrypts one packet; throws when the tag does not verify. Strips padding and the header-extension body. */
export function decryptRtp(key: Buffer, packet: Buffer): DecryptedRtp {
  const header = readRtpHeader(packet);
  if (!header || packet.length < 12 + TAG_LENGTH + NONCE_SUFFIX) throw new Error('packet too short');
  const hasExtension = (packet[0]! & 0x10) !== 0;
  const headerSize = hasExtension ? 16 : 12;
  const nonce = packet.readUInt32BE(packet.length - NONCE_SUFFIX);
  const decipher = createDecipheriv('aes-256-gcm', key, nonceBuffer(nonce));
  decipher.setAAD(packet.subarray(0, headerSize));
  decipher.setAuthTag(packet.subarray(packet.length - NONCE_SUFFIX - TAG_LENGTH, packet.length - NONCE_SUFFIX));
  let opus = Buffer.concat([decipher.update(packet.subarray(headerSize, packet.length - NONCE_SUFFIX - TAG_LENGTH)), decipher.final()]);
  if (packet[0]! & 0x20) opus = opus.subarray(0, opus.length - opus[opus.length - 1]!);
  if (hasExtension) opus = opus.subarray(4 * packet.readUInt16BE(14));
  return { ...header, nonce, opus };
}

/** The 74-byte IP discovery request: u16 type=1 | u16 length=70 | u32 ssrc | 66 zero bytes. */
export function isDiscoveryRequest(msg: Buffer): boolean {
  return msg.length === 74 && msg.readUInt16BE(0) === 1 && msg.readUInt16BE(2) === 70;
}

/** The discovery reply: type=2, same length and ssrc, the address null-terminated from byte 8, the port (BE) in the last two bytes. */
export function discoveryResponse(ssrc: number, address: string, port: number): Buffer {
  const out = Buffer.alloc(74);
  out.writeUInt16BE(2, 0);
  out.writeUInt16BE(70, 2);
  out.writeUInt32BE(ssrc >>> 0, 4);
  out.write(address, 8, 'utf8');
  out.writeUInt16BE(port, 72);
  return out;
}
