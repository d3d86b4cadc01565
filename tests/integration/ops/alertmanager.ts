// A real Alertmanager 0.25 for tests: free port, temp config and storage, clustering off; always stop() it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '../../helpers/mesh-harness.ts';

export const ALERTMANAGER_BIN = process.env.ALERTMANAGER_BIN ?? '/usr/bin/prometheus-alertmanager';

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface RunningAlertmanager {
  url: string;
  port: number;
  /** Posts alerts to `POST /api/v2/alerts`. */
  postAlerts(alerts: unknown[]): Promise<void>;
  silences(): Promise<Array<{ id: string; status: { state: string }; matchers: Array<{ name: string; value: string }>; comment: string; createdBy: string }>>;
  log(): string;
  stop(): Promise<void>;
}

export interface AlertmanagerOptions {
  port?: number;
  /** The ops receiver's URL (…/alertmanager) and its bearer token. */
  webhookUrl: string;
  token: string;
  groupWait?: string;
  groupInterval?: string;
  repeatInterval?: string;
}

/** Starts Alertmanager with a webhook receiver pointing at ops (bearer token), grouping by alertname. */
export async function startAlertmanager(opts: AlertmanagerOptions): Promise<RunningAlertmanager> {
  const port = opts.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'helix-am-'));
  const config = [
    'route:',
    '  receiver: helix',
    "  group_by: ['alertname']",
    `  group_wait: ${opts.groupWait ?? '200ms'}`,
    `  group_interval: ${opts.groupInterval ?? '1s'}`,
    `  repeat_interval: ${opts.repeatInterval ?? '1h'}`,
    'receivers:',
    '  - name: helix',
    '    webhook_configs:',
    `      - url: ${JSON.stringify(opts.webhookUrl)}`,
    '        send_resolved: true',
    '        http_config:',
    '          authorization:',
    '            type: Bearer',
    `            credentials: ${JSON.stringify(opts.token)}`,
    '',
  ].join('\n');
  writeFileSync(join(dir, 'alertmanager.yml'), config);
  const child: ChildProcess = spawn(ALERTMANAGER_BIN, [
    `--config.file=${join(dir, 'alertmanager.yml')}`,
    `--storage.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--cluster.listen-address=',
    '--log.level=warn',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await eventually(async () => {
      if (child.exitCode !== null) throw new Error(`alertmanager exited (${child.exitCode}): ${output}`);
      return fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    }, 20_000, 'alertmanager to be ready');
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url,
    port,
    async postAlerts(alerts) {
      const res = await fetch(`${url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
      if (!res.ok) throw new Error(`POST /api/v2/alerts: ${res.status} ${await res.text()}`);
    },
    async silences() {
      const res = await fetch(`${url}/api/v2/silences`);
      return (await res.json()) as Awaited<ReturnType<RunningAlertmanager['silences']>>;
    },
    log: () => output,
    stop,
  };
}
