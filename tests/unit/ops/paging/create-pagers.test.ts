import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ConfigError, HelixConfig, loadConfig } from '../../../../config/index.ts';
import { createPagers, describePagers } from '../../../../ops/paging/index.ts';

const SID = `AC${'0123456789abcdef'.repeat(2)}`;
const KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';

describe('createPagers', () => {
  test('GIVEN no paging config THEN no pagers', () => {
    expect(createPagers(HelixConfig.parse({}).paging)).toEqual([]);
  });

  test('GIVEN all three transports THEN PagerDuty, Twilio and e-mail pagers, in that order', async () => {
    const cfg = HelixConfig.parse({
      paging: {
        pagerduty: { routingKey: KEY },
        twilio: { accountSid: SID, authToken: 'twilio-auth-token-0123', from: '+15550000000', to: '+15551111111,+15552222222' },
        email: { smtpUrl: 'smtp://u:p@127.0.0.1:2525', from: 'helix@example.com', to: ['oncall@example.com'] },
      },
    });
    expect(cfg.paging.twilio.to).toEqual(['+15551111111', '+15552222222']);
    const pagers = createPagers(cfg.paging);
    expect(describePagers(pagers)).toEqual(['pagerduty', 'twilio', 'email']);
    await Promise.all(pagers.map((p) => p.close()));
  });

  test('GIVEN e-mail by host and port THEN an e-mail pager', async () => {
    const pagers = createPagers(HelixConfig.parse({ paging: { email: { host: 'smtp.example.com', port: 465, secure: true, user: 'u', password: 'p', from: 'helix@example.com' } } }).paging);
    expect(describePagers(pagers)).toEqual(['email']);
    await Promise.all(pagers.map((p) => p.close()));
  });

  test.each([
    ['Twilio without a token', { twilio: { accountSid: SID, from: '+15550000000' } }, 'paging.twilio.authToken'],
    ['a Twilio number not in E.164', { twilio: { accountSid: SID, authToken: 'twilio-auth-token-0123', from: '5550000000' } }, 'paging.twilio.from'],
    ['e-mail without a sender', { email: { smtpUrl: 'smtp://127.0.0.1' } }, 'paging.email.from'],
    ['e-mail without a server', { email: { from: 'helix@example.com' } }, 'paging.email.smtpUrl'],
    ['a password without a user', { email: { host: 'h', from: 'a@b.c', password: 'p' } }, 'paging.email.user'],
    ['a bad recipient address', { email: { host: 'h', from: 'a@b.c', to: ['not-an-address'] } }, 'paging.email.to'],
  ])('GIVEN %s THEN the config names the key', async (_what, paging, key) => {
    const dir = await mkdtemp(join(tmpdir(), 'helix-paging-cfg-'));
    try {
      await writeFile(join(dir, 'helix.config.yaml'), JSON.stringify({ paging }));
      const err = (() => {
        try {
          loadConfig({ env: {}, cwd: dir });
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems.some((p) => p.startsWith(key))).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('GIVEN secrets in *_FILE variables THEN they are read from the files and never echoed on error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'helix-paging-secrets-'));
    try {
      await writeFile(join(dir, 'pd'), `${KEY}\n`);
      await writeFile(join(dir, 'token'), 'twilio-auth-token-0123\n');
      const { config } = loadConfig({
        env: { HELIX_PAGING__PAGERDUTY__ROUTING_KEY_FILE: join(dir, 'pd'), HELIX_PAGING__TWILIO__AUTH_TOKEN_FILE: join(dir, 'token'), HELIX_PAGING__TWILIO__ACCOUNT_SID: SID, HELIX_PAGING__TWILIO__FROM: '+15550000000', HELIX_SLO__PROMETHEUS_URL: 'http://127.0.0.1:9090' },
        cwd: dir,
      });
      expect(config.paging.pagerduty.routingKey).toBe(KEY);
      expect(config.paging.twilio.authToken).toBe('twilio-auth-token-0123');
      expect(config.slo.prometheusUrl).toBe('http://127.0.0.1:9090');
      await writeFile(join(dir, 'short'), 'short');
      const err = (() => {
        try {
          loadConfig({ env: { HELIX_PAGING__PAGERDUTY__ROUTING_KEY_FILE: join(dir, 'short') }, cwd: dir });
        } catch (e) {
          return e as ConfigError;
        }
        return undefined;
      })();
      expect(err?.message).toMatch(/paging\.pagerduty\.routingKey/);
      expect(err?.message).not.toContain('"short"');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('GIVEN the defaults THEN SLO specs default to Helix’s own and base URLs to the real services', () => {
    const cfg = HelixConfig.parse({});
    expect(cfg.slo).toEqual({ specFiles: ['ops/slo/helix.slo.yaml'], rulesOut: './data/slo-rules.yml', queryTimeoutMs: 10_000 });
    expect(cfg.paging.pagerduty.baseUrl).toBe('https://events.pagerduty.com');
    expect(cfg.paging.twilio.baseUrl).toBe('https://api.twilio.com');
  });
});
