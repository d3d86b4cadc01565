// Discord's JSON error bodies, as the REST API sends them (status + {code, message[, errors]}).
// Codes from Discord's "JSON Error Codes" table; discord.js surfaces them as DiscordAPIError#code.

export interface DiscordError {
  status: number;
  code: number;
  message: string;
  /** Nested field errors for 50035 Invalid Form Body: { field: { _errors: [{code, message}] } }. */
  errors?: Record<string, unknown>;
}

export const DiscordErrors = {
  Unauthorized: { status: 401, code: 0, message: '401: Unauthorized' },
  UnknownChannel: { status: 404, code: 10003, message: 'Unknown Channel' },
  UnknownGuild: { status: 404, code: 10004, message: 'Unknown Guild' },
  UnknownMember: { status: 404, code: 10007, message: 'Unknown Member' },
  UnknownMessage: { status: 404, code: 10008, message: 'Unknown Message' },
  UnknownRole: { status: 404, code: 10011, message: 'Unknown Role' },
  UnknownUser: { status: 404, code: 10013, message: 'Unknown User' },
  UnknownWebhook: { status: 404, code: 10015, message: 'Unknown Webhook' },
  UnknownApplication: { status: 404, code: 10002, message: 'Unknown Application' },
  UnknownInteraction: { status: 404, code: 10062, message: 'Unknown interaction' },
  InteractionAlreadyAcknowledged: { status: 400, code: 40060, message: 'Interaction has already been acknowledged.' },
  MissingAccess: { status: 403, code: 50001, message: 'Missing Access' },
  CannotEditOtherUsersMessage: { status: 403, code: 50005, message: 'Cannot edit a message authored by another user' },
  EmptyMessage: { status: 400, code: 50006, message: 'Cannot send an empty message' },
  CannotSendToUser: { status: 403, code: 50007, message: 'Cannot send messages to this user' },
  NonTextChannel: { status: 400, code: 50008, message: 'Cannot send messages in a non-text channel' },
  MissingPermissions: { status: 403, code: 50013, message: 'Missing Permissions' },
  NotFound: { status: 404, code: 0, message: '404: Not Found' },
  MethodNotAllowed: { status: 405, code: 0, message: '405: Method Not Allowed' },
} as const satisfies Record<string, DiscordError>;

/** One field error inside an Invalid Form Body answer. */
export interface FieldError {
  /** Dotted path as Discord nests it, e.g. "content" or "embeds.0.title"; "" for the body itself. */
  path: string;
  code: string;
  message: string;
}

/** 400 {code: 50035, message: 'Invalid Form Body', errors: {a: {b: {_errors: [...]}}}} */
export function invalidFormBody(fieldErrors: FieldError[]): DiscordError {
  const errors: Record<string, unknown> = {};
  for (const e of fieldErrors) {
    let node = errors;
    for (const key of e.path ? e.path.split('.') : []) {
      node[key] ??= {};
      node = node[key] as Record<string, unknown>;
    }
    ((node._errors ??= []) as Array<{ code: string; message: string }>).push({ code: e.code, message: e.message });
  }
  return { status: 400, code: 50035, message: 'Invalid Form Body', errors };
}

export function errorBody(e: DiscordError): Record<string, unknown> {
  return e.errors ? { message: e.message, code: e.code, errors: e.errors } : { message: e.message, code: e.code };
}

/** Thrown inside route handlers; the router answers it as Discord would. */
export class DiscordHttpError extends Error {
  readonly error: DiscordError;
  constructor(error: DiscordError) {
    super(`${error.status} ${error.code} ${error.message}`);
    this.error = error;
  }
}

export function fail(error: DiscordError): never {
  throw new DiscordHttpError(error);
}
