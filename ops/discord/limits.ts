/**
 * Discord's embed limits, which the incident message keeps to by truncating.
 * @see https://discord.com/developers/docs/resources/message#embed-object-embed-limits
 */
export const EMBED_LIMITS = {
  title: 256,
  description: 4_096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1_024,
  footer: 2_048,
  /** Title, description, field names and values, footer, author name together. */
  total: 6_000,
} as const;

/**
 * Custom ids (and so the `ops:<action>:<incident>[:<seconds>]` of a button) are at most 100 characters.
 * @see https://discord.com/developers/docs/components/reference#button
 */
export const MAX_CUSTOM_ID = 100;
