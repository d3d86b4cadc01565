// Starts the fake and real discord.js clients against it, and tears everything down after each test.
import { Client, Events, GatewayIntentBits, type ClientOptions } from 'discord.js';
import { startFakeDiscord, type FakeDiscord, type FakeDiscordOptions } from '../../fakes/discord/index.ts';

export const ALL_TEST_INTENTS = [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.DirectMessages, GatewayIntentBits.MessageContent];

export interface Harness {
  fake: FakeDiscord;
  /** Logs a real discord.js Client in against the fake and waits for clientReady. */
  client(options?: Partial<ClientOptions>): Promise<Client<true>>;
  /** A client that is constructed but not logged in (for login failure tests). */
  rawClient(options?: Partial<ClientOptions>): Client;
  cleanup(): Promise<void>;
}

export async function startHarness(opts: FakeDiscordOptions = {}): Promise<Harness> {
  const fake = await startFakeDiscord(opts);
  const clients: Client[] = [];
  const rawClient = (options: Partial<ClientOptions> = {}) => {
    const c = new Client({ intents: ALL_TEST_INTENTS, ...options, rest: { ...fake.clientOptions().rest, ...options.rest } });
    clients.push(c);
    return c;
  };
  return {
    fake,
    rawClient,
    async client(options = {}) {
      const c = rawClient(options);
      const ready = new Promise<void>((resolve) => c.once(Events.ClientReady, () => resolve()));
      await c.login(fake.token);
      await ready;
      return c as Client<true>;
    },
    async cleanup() {
      await Promise.all(clients.map((c) => c.destroy().catch(() => {})));
      await fake.close();
    },
  };
}

/** Resolves with the next `event` emitted by `client` that passes `filter`, or rejects after `timeoutMs`. */
export function nextEvent<T extends unknown[]>(client: Client, event: string, filter: (...args: T) => boolean = () => true, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off(event, listener);
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (...args: unknown[]) => {
      if (!filter(...(args as T))) return;
      clearTimeout(timer);
      client.off(event, listener);
      resolve(args as T);
    };
    client.on(event, listener);
  });
}

/** Collects every `event` the client emits, for "exactly once" assertions. */
export function collect<T>(client: Client, event: string): T[] {
  const seen: T[] = [];
  client.on(event, (arg: T) => seen.push(arg));
  return seen;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
