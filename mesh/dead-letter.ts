import { z } from 'zod';

/** A message Helix could not take: kept with the reason so nothing is lost silently. */
export const DeadLetterEntry = z.object({
  queue: z.string().min(1),
  jobId: z.string().optional(),
  payload: z.unknown(),
  /** Stable code (e.g. `payload_invalid`, `platform_rejected`). */
  code: z.string().min(1),
  /** Human-readable reason: for a schema failure, the prettified zod issues with their paths. */
  reason: z.string().min(1),
  firstSeen: z.iso.datetime({ offset: true }),
  attempts: z.number().int().nonnegative().default(0),
});
export type DeadLetterEntry = z.infer<typeof DeadLetterEntry>;
