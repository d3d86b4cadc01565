import { createHash } from 'node:crypto';
import type { Platform } from './platform.ts';

const SAFE_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * BullMQ job id for a platform event. BullMQ ids may not contain `:` and may not be all digits
 * (a Discord snowflake is all digits), so the platform name is prefixed and anything outside a
 * safe alphabet is replaced by a hash of the whole id (no two events collide by sanitizing).
 * @see https://docs.bullmq.io/guide/jobs/job-ids
 */
export function jobIdFor(platform: Platform, eventId: string): string {
  return `${platform}-${safePart(eventId)}`;
}

/** A job-id-safe rendering of any string: itself when already safe, else `h<sha256 prefix>`. */
export function safePart(value: string): string {
  return SAFE_ID.test(value) ? value : `h${createHash('sha256').update(value).digest('hex').slice(0, 40)}`;
}
