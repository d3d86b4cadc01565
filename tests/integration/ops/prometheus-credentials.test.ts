// slo.prometheusUrl with user:password@ (Prometheus behind a basic-auth proxy): the client sends Basic auth, and
// the password never appears in an error (those reach Discord through /slo and SLO pages).
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PrometheusClient } from '../../../ops/slo/index.ts';

let server: Server;
let port = 0;
const seen: Array<string | undefined> = [];
let status = 200;

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.headers.authorization);
    if (status !== 200) return void res.writeHead(status).end('nope');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: { service: 'a', slo: 'b' }, value: [1, '0.5'] }] } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});

describe('PrometheusClient credentials', () => {
  test('GIVEN user:password in the URL THEN queries carry Basic auth and errors name the URL without the password', async () => {
    const client = new PrometheusClient({ baseUrl: `http://helix:s3cr%40t@127.0.0.1:${port}/`, maxRetries: 0 });
    status = 200;
    expect(await client.query('slo:current_burn_rate:ratio')).toEqual([{ labels: { service: 'a', slo: 'b' }, value: 0.5, time: 1 }]);
    expect(seen.at(-1)).toBe(`Basic ${Buffer.from('helix:s3cr@t').toString('base64')}`);
    status = 401;
    const err = (await client.query('up').catch((e: unknown) => e)) as Error & { code?: string };
    expect(err.code).toBe('prometheus_query_failed');
    expect(err.message).toContain(`Prometheus at http://127.0.0.1:${port} answered 401`);
    expect(err.message).not.toMatch(/s3cr|helix:/);
  });

  test('GIVEN a plain URL THEN no authorization header is sent', async () => {
    status = 200;
    await new PrometheusClient({ baseUrl: `http://127.0.0.1:${port}`, maxRetries: 0 }).query('up');
    expect(seen.at(-1)).toBeUndefined();
  });
});
