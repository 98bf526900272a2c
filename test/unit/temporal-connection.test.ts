import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../runtime/config';
import {
  describeSecurity,
  temporalConnectionOptions,
  temporalSecurityFrom,
} from '../../runtime/temporal-connection';

const dir = mkdtempSync(join(tmpdir(), 'postflow-tls-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const cert = file('client.pem', '-----BEGIN CERTIFICATE-----\nclient\n-----END CERTIFICATE-----\n');
const key = file('client.key', '-----BEGIN PRIVATE KEY-----\nkey\n-----END PRIVATE KEY-----\n');
const ca = file('ca.pem', '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n');

describe('connecting to a secured Temporal', () => {
  test('nothing set: plaintext, the address alone (a local cluster or the dev server)', () => {
    const security = temporalSecurityFrom({});
    expect(security).toEqual({ tls: false });
    expect(temporalConnectionOptions('localhost:7233', 'default', security)).toEqual({
      address: 'localhost:7233',
    });
    expect(describeSecurity(security)).toBe('plaintext');
  });

  test('mTLS (Temporal Cloud certificates, or a private CA and server name) maps onto tls', () => {
    const security = temporalSecurityFrom({
      TEMPORAL_TLS_CLIENT_CERT_PATH: cert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: key,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca,
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    });
    const options = temporalConnectionOptions('temporal.internal:7233', 'prod', security);
    expect(options).toEqual({
      address: 'temporal.internal:7233',
      tls: {
        serverNameOverride: 'temporal.internal',
        serverRootCACertificate: Buffer.from('-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n'),
        clientCertPair: {
          crt: Buffer.from('-----BEGIN CERTIFICATE-----\nclient\n-----END CERTIFICATE-----\n'),
          key: Buffer.from('-----BEGIN PRIVATE KEY-----\nkey\n-----END PRIVATE KEY-----\n'),
        },
      },
    });
    expect(describeSecurity(security)).toBe('TLS, mTLS client certificate, server name temporal.internal');
  });

  test('an API key (Temporal Cloud) turns TLS on and names the namespace; logs never show it', () => {
    const security = temporalSecurityFrom({ TEMPORAL_API_KEY: 'secret-key' });
    expect(temporalConnectionOptions('us-east-1.aws.api.temporal.io:7233', 'acme.a1b2c', security)).toEqual({
      address: 'us-east-1.aws.api.temporal.io:7233',
      tls: {},
      apiKey: 'secret-key',
      metadata: { 'temporal-namespace': 'acme.a1b2c' },
    });
    expect(describeSecurity(security)).toBe('TLS, API key');
    expect(describeSecurity(security)).not.toContain('secret-key');
  });

  test('TEMPORAL_TLS=true alone: TLS with the system CAs', () => {
    expect(temporalConnectionOptions('a:7233', 'ns', temporalSecurityFrom({ TEMPORAL_TLS: 'true' }))).toEqual(
      {
        address: 'a:7233',
        tls: {},
      },
    );
  });

  test('mistakes fail at startup, naming the variable', () => {
    expect(() => temporalSecurityFrom({ TEMPORAL_TLS_CLIENT_CERT_PATH: cert })).toThrow(
      /TEMPORAL_TLS_CLIENT_KEY_PATH go together/,
    );
    expect(() => temporalSecurityFrom({ TEMPORAL_TLS: 'yes' })).toThrow(/TEMPORAL_TLS must be true or false/);
    expect(() =>
      temporalConnectionOptions(
        'a:7233',
        'ns',
        temporalSecurityFrom({ TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false' }),
      ),
    ).toThrow(/needs TLS/);
    const missing = temporalSecurityFrom({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(dir, 'nope.pem') });
    expect(() => temporalConnectionOptions('a:7233', 'ns', missing)).toThrow(
      /TEMPORAL_TLS_SERVER_CA_CERT_PATH: cannot read .*nope\.pem \(ENOENT\)/,
    );
  });

  test('the configuration carries them with the namespace', () => {
    const config = loadConfig({
      TEMPORAL_ADDRESS: 'x:7233',
      TEMPORAL_NAMESPACE: 'acme',
      TEMPORAL_API_KEY: 'k',
    });
    expect(config).toMatchObject({
      temporalAddress: 'x:7233',
      namespace: 'acme',
      temporalSecurity: { tls: true },
    });
  });
});
