import { z } from 'zod';

/** Field types the config sections share. */
export const port = z.number().int().min(0).max(65_535);
export const url = z.url();
export const snowflake = z.string().regex(/^\d{15,22}$/, 'must be a Discord id (a snowflake: 15-22 digits)');
/** A list in YAML, or a comma-separated string (how an environment variable gives one). */
export const listOf = <T extends z.ZodType>(item: T) =>
  z.union([
    z.array(item),
    z.string().transform((s, ctx) => {
      const parsed = z.array(item).safeParse(s.split(',').map((x) => x.trim()).filter(Boolean));
      if (!parsed.success) {
        for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: `${issue.message} (in the comma-separated list)` });
        return z.NEVER;
      }
      return parsed.data;
    }),
  ]);
