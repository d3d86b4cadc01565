// Real Prometheus and Alertmanager processes (Debian's /usr/bin binaries) on free loopback ports, for the ops-slo tests.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

export const PROMETHEUS_BIN = '/usr/bin/prometheus';
export const ALERTMANAGER_BIN = '/usr/bin/prometheus-alertmanager';

/** A port the kernel just handed out and released (good enough for a test on loopback). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface RunningProcess {
  readonly url: string;
  /** Last lines of its output, for failure messages. */
  log(): string;
  close(): Promise<void>;
}

async function startProcess(bin: string, args: string[], url: string, dir: string): Promise<RunningProcess> {
  const child: ChildProcess = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let closed: Promise<void> | undefined;
  const proc: RunningProcess = {
    url,
    log: () => lines.slice(-40).join('\n'),
    close() {
      closed ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(timer);
        }
        await rm(dir, { recursive: true, force: true });
      })();
      return closed;
    },
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      await proc.close();
      throw new Error(`${bin} exited with ${child.exitCode} at start:\n${proc.log()}`);
    }
    const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    if (ready) return proc;
    if (Date.now() > deadline) {
      await proc.close();
      throw new Error(`${bin} was not ready within 30 s:\n${proc.log()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts Alertmanager with one webhook receiver; clustering off, state in a temp dir. */
export async function startAlertmanager(webhookUrl: string): Promise<RunningProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'helix-am-'));
  const port = await freePort();
  const config = {
    route: { receiver: 'sink', group_by: ['alertname', 'service', 'slo', 'severity'], group_wait: '1s', group_interval: '1s', repeat_interval: '1h' },
    receivers: [{ name: 'sink', webhook_configs: [{ url: webhookUrl, send_resolved: true }] }],
  };
  await writeFile(join(dir, 'alertmanager.yml'), stringify(config));
  return startProcess(
    ALERTMANAGER_BIN,
    [`--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', '--log.level=warn'],
    `http://127.0.0.1:${port}`,
    dir,
  );
}

/** Starts Prometheus scraping `target` (host:port) every second, evaluating `rulesYaml` every second, alerting `alertmanager`. */
export async function startPrometheus(opts: { target: string; rulesYaml: string; alertmanager: string }): Promise<RunningProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'helix-prom-'));
  const port = await freePort();
  await writeFile(join(dir, 'rules.yml'), opts.rulesYaml);
  const config = {
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    rule_files: [join(dir, 'rules.yml')],
    alerting: { alertmanagers: [{ static_configs: [{ targets: [opts.alertmanager.replace(/^https?:\/\//, '')] }] }] },
    scrape_configs: [{ job_name: 'test', static_configs: [{ targets: [opts.target] }] }],
  };
  await writeFile(join(dir, 'prometheus.yml'), stringify(config));
  return startProcess(
    PROMETHEUS_BIN,
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    `http://127.0.0.1:${port}`,
    dir,
  );
}
