// Starts the REAL Bolt App (HTTP receiver on 127.0.0.1, random port) pointed at a fake Slack.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel, type AppOptions } from '@slack/bolt';
import type { FakeSlack } from '../../fakes/slack/index.ts';

export interface BoltUnderTest {
  app: App;
  /** http://127.0.0.1:P/slack/events */
  eventsUrl: string;
  stop(): Promise<void>;
}

export async function startBolt(fake: FakeSlack, configure: (app: App) => void, extra: Partial<AppOptions> = {}): Promise<BoltUnderTest> {
  const app = new App({
    signingSecret: fake.signingSecret,
    token: fake.botToken,
    logLevel: LogLevel.ERROR,
    ...extra,
    clientOptions: { slackApiUrl: fake.apiUrl, ...(extra.clientOptions ?? {}) },
  });
  configure(app);
  const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
  const port = (server.address() as AddressInfo).port;
  let stopped: Promise<void> | undefined;
  return {
    app,
    eventsUrl: `http://127.0.0.1:${port}/slack/events`,
    stop: () => (stopped ??= app.stop().then(() => undefined)),
  };
}
