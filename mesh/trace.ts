import { randomBytes } from 'node:crypto';
import { z } from 'zod';

/**
 * W3C trace context `traceparent` header value: version-traceid-parentid-flags.
 * @see https://www.w3.org/TR/trace-context/#traceparent-header
 */
export const Traceparent = z
  .string()
  .regex(/^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/, 'must be a W3C traceparent: 00-<32 hex>-<16 hex>-<2 hex>');
export type Traceparent = z.infer<typeof Traceparent>;

/** Starts a new trace (a platform event entering Helix). */
export function newTraceparent(): Traceparent {
  return `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
}

/** The 32-hex trace id, the key that follows a message across every queue hop. */
export function traceIdOf(traceparent: string): string {
  return traceparent.split('-')[1] ?? 'unknown';
}

/** Same trace, new span: each hop that re-enqueues gets its own parent id. */
export function childTraceparent(traceparent: Traceparent): Traceparent {
  const [version, traceId, , flags] = traceparent.split('-');
  return `${version}-${traceId}-${randomBytes(8).toString('hex')}-${flags}`;
}
