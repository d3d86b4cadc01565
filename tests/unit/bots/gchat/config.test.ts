import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { serviceAccountOf } from '../../../../bots/gchat/chat-client.ts';
import { ConfigError, loadConfig } from '../../../../config/load.ts';
import { ROLES } from '../../../../supervisor/roles.ts';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const keyJson = JSON.stringify({ type: 'service_account', client_email: 'helix@p.iam.gserviceaccount.com', private_key: privateKey, private_key_id: 'kid1' });
const load = (env: Record<string, string>) => loadConfig({ env, cwd: '/nonexistent-dir-for-tests' }).config;
const gchatRole = ROLES.find((r) => r.name === 'gchat')!;

describe('gchat config', () => {
  test('GIVEN no service account THEN the role is not started, and defaults are in place', () => {
    const c = load({});
    expect(gchatRole.enabled(c)).toBe(false);
    expect(c.gchat).toMatchObject({ audience: 'projectNumber', apiRootUrl: 'https://chat.googleapis.com/', inlineReplyMs: 3_000, port: 8096, host: '127.0.0.1' });
    expect(c.gchat.certsUrl).toBe('https://www.googleapis.com/service_accounts/v1/metadata/x509/chat@system.gserviceaccount.com');
  });

  test('GIVEN the JSON key and a project number from the environment THEN the role runs, the number stays a string', () => {
    const c = load({ HELIX_GCHAT__CREDENTIALS: keyJson, HELIX_GCHAT__PROJECT_NUMBER: '000123456789' });
    expect(gchatRole.enabled(c)).toBe(true);
    expect(c.gchat.projectNumber).toBe('000123456789');
    expect(serviceAccountOf(c.gchat)).toEqual({ clientEmail: 'helix@p.iam.gserviceaccount.com', privateKey, privateKeyId: 'kid1' });
    expect(gchatRole.healthUrl(c)).toBe('http://127.0.0.1:8096/healthz');
  });

  test('GIVEN a service account without the audience it verifies THEN the config is refused naming the key', () => {
    expect(() => load({ HELIX_GCHAT__CREDENTIALS: keyJson })).toThrow(ConfigError);
    expect(() => load({ HELIX_GCHAT__CREDENTIALS: keyJson })).toThrow(/gchat\.projectNumber/);
    expect(() => load({ HELIX_GCHAT__CREDENTIALS: keyJson, HELIX_GCHAT__AUDIENCE: 'endpointUrl' })).toThrow(/gchat\.endpointUrl/);
    expect(() => load({ HELIX_GCHAT__CLIENT_EMAIL: 'a@b.iam.gserviceaccount.com', HELIX_GCHAT__PROJECT_NUMBER: '1' })).toThrow(/gchat\.privateKey/);
  });

  test('GIVEN a key that is not a service-account JSON key THEN the error names the key, never its value', () => {
    const c = load({ HELIX_GCHAT__CREDENTIALS: 'super-secret-not-json', HELIX_GCHAT__PROJECT_NUMBER: '1' });
    expect(() => serviceAccountOf(c.gchat)).toThrow(/gchat\.credentials is not JSON/);
    try {
      serviceAccountOf(c.gchat);
    } catch (err) {
      expect((err as Error).message).not.toContain('super-secret');
    }
    const partial = load({ HELIX_GCHAT__CREDENTIALS: JSON.stringify({ private_key: 'PRIVATE-STUFF' }), HELIX_GCHAT__PROJECT_NUMBER: '1' });
    expect(() => serviceAccountOf(partial.gchat)).toThrow(/client_email/);
    expect(() => serviceAccountOf(partial.gchat)).not.toThrow(/PRIVATE-STUFF/);
  });
});
