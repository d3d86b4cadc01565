// Everything the fake saw or did, kept for assertions, with waitFor() for things that happen later.
import type { Json, MessageRecord } from './state.ts';

export interface RestRecord {
  method: string;
  /** Concrete path under /api/v10, e.g. "/channels/123/messages". */
  path: string;
  /** Route template, e.g. "/channels/:channelId/messages" ("" when no route matched). */
  route: string;
  query: Record<string, string>;
  /** Request headers, lower-cased, without Authorization. */
  headers: Record<string, string>;
  /** "bot" (valid Bot token), "invalid" (wrong/malformed), "none" (no header). */
  auth: 'bot' | 'invalid' | 'none';
  /** JSON body, or payload_json of a multipart body. */
  body: unknown;
  files: Array<{ field: string; filename: string; contentType: string; size: number }>;
  status: number;
  at: number;
}

export interface MessageEvent {
  kind: 'create' | 'edit' | 'delete';
  channelId: string;
  message: MessageRecord;
  /** How it came about: REST from the bot, a webhook/interaction, or the fake's own dispatch. */
  via: 'rest' | 'interaction' | 'webhook' | 'fake';
  at: number;
}

export interface TypingRecord {
  channelId: string;
  at: number;
}

export interface InteractionEvent {
  interactionId: string;
  /** callback = POST /interactions/:id/:token/callback; the rest are webhook routes with the token. */
  kind: 'callback' | 'edit-original' | 'get-original' | 'delete-original' | 'followup' | 'edit-followup';
  /** Callback type (4 reply, 5 defer, 6 deferUpdate, 7 update, 8 autocomplete, 9 modal). */
  type?: number;
  body: unknown;
  status: number;
  /** Error code when the fake refused it (10062 late/unknown, 40060 already acknowledged...). */
  errorCode?: number;
  at: number;
  /** Milliseconds since the fake dispatched INTERACTION_CREATE. */
  elapsedMs: number;
}

export interface IdentifyRecord {
  connectionId: number;
  sessionId: string | null;
  intents: number;
  shard: [number, number] | null;
  properties: Json;
  compress: unknown;
  largeThreshold: unknown;
  presence: unknown;
  tokenValid: boolean;
  at: number;
}

export interface ResumeRecord {
  connectionId: number;
  sessionId: string;
  seq: number | null;
  outcome: 'resumed' | 'invalid-session' | 'bad-token' | 'invalid-seq';
  replayed: number;
  /** The path the client connected to (resumes should come in on resume_gateway_url). */
  path: string;
  at: number;
}

export interface DispatchRecord {
  sessionId: string;
  s: number;
  t: string;
  d: unknown;
  /** False when the session had no open socket; it is replayed on RESUME. */
  delivered: boolean;
  at: number;
}

export interface ConnectionRecord {
  id: number;
  path: string;
  query: Record<string, string>;
  openedAt: number;
  closedAt?: number;
  closeCode?: number;
  /** Who closed it: the fake (closeWithCode, decode error, bad token...) or the client. */
  closedBy?: 'server' | 'client';
}

export interface GatewayOpRecord {
  connectionId: number;
  op: number;
  d: unknown;
  at: number;
}

export interface Records {
  rest: RestRecord[];
  messages: MessageEvent[];
  typing: TypingRecord[];
  interactions: InteractionEvent[];
  identifies: IdentifyRecord[];
  resumes: ResumeRecord[];
  dispatches: DispatchRecord[];
  connections: ConnectionRecord[];
  /** Every op the clients sent (heartbeats included). */
  gatewayOps: GatewayOpRecord[];
}

type Kind = keyof Records;
type Waiter = { kind: Kind; pred: (r: never) => boolean; resolve: (r: never) => void };

export class Recorder {
  readonly records: Records = { rest: [], messages: [], typing: [], interactions: [], identifies: [], resumes: [], dispatches: [], connections: [], gatewayOps: [] };
  private waiters: Waiter[] = [];

  add<K extends Kind>(kind: K, rec: Records[K][number]): void {
    (this.records[kind] as Array<Records[K][number]>).push(rec);
    for (const w of [...this.waiters]) {
      if (w.kind === kind && (w.pred as (r: Records[K][number]) => boolean)(rec)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        (w.resolve as (r: Records[K][number]) => void)(rec);
      }
    }
  }

  /** Resolves with the first record of `kind` matching `pred`, including ones already recorded. */
  waitFor<K extends Kind>(kind: K, pred: (r: Records[K][number]) => boolean = () => true, timeoutMs = 5000): Promise<Records[K][number]> {
    const hit = (this.records[kind] as Array<Records[K][number]>).find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        kind,
        pred: pred as (r: never) => boolean,
        resolve: ((r: Records[K][number]) => {
          clearTimeout(timer);
          resolve(r);
        }) as (r: never) => void,
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`fake discord: no ${kind} record matched within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  clear(): void {
    for (const k of Object.keys(this.records) as Kind[]) this.records[k].length = 0;
  }
}
