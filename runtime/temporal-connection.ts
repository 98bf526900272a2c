import { readFileSync } from 'node:fs';

/**
 * How Postflow reaches Temporal beyond the embedded dev server: a secured self-hosted cluster
 * (TLS, mTLS) or Temporal Cloud (mTLS or an API key). The variables are Temporal's own
 * (`TEMPORAL_*`, as the Temporal CLI reads them), so one environment serves both.
 */
export interface TemporalSecurity {
  /** Connect with TLS (implied by any certificate, the server name, or an API key). */
  tls: boolean;
  /** `TEMPORAL_TLS_SERVER_NAME`: the name the server's certificate is checked against. */
  serverName?: string;
  /** `TEMPORAL_TLS_SERVER_CA_CERT_PATH`: a CA that signed the server's certificate (private PKI). */
  serverCaCertPath?: string;
  /** `TEMPORAL_TLS_CLIENT_CERT_PATH` and `TEMPORAL_TLS_CLIENT_KEY_PATH`: mTLS. */
  clientCertPath?: string;
  clientKeyPath?: string;
  /** `TEMPORAL_API_KEY`: Temporal Cloud API key authentication. */
  apiKey?: string;
}

export function temporalSecurityFrom(env: NodeJS.ProcessEnv): TemporalSecurity {
  const pick = (name: string) => env[name] || undefined;
  const security = {
    serverName: pick('TEMPORAL_TLS_SERVER_NAME'),
    serverCaCertPath: pick('TEMPORAL_TLS_SERVER_CA_CERT_PATH'),
    clientCertPath: pick('TEMPORAL_TLS_CLIENT_CERT_PATH'),
    clientKeyPath: pick('TEMPORAL_TLS_CLIENT_KEY_PATH'),
    apiKey: pick('TEMPORAL_API_KEY'),
  };
  if (!!security.clientCertPath !== !!security.clientKeyPath) {
    throw new Error(
      'TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH go together: set both for mTLS, or neither.',
    );
  }
  const explicit = env.TEMPORAL_TLS;
  if (explicit !== undefined && explicit !== '' && explicit !== 'true' && explicit !== 'false') {
    throw new Error(`TEMPORAL_TLS must be true or false, got "${explicit}".`);
  }
  const implied = Object.values(security).some(Boolean);
  return {
    tls: explicit === 'false' ? false : explicit === 'true' || implied,
    ...Object.fromEntries(Object.entries(security).filter(([, v]) => v !== undefined)),
  };
}

/**
 * The connection options both `Connection` (client) and `NativeConnection` (worker) take:
 * `{ address, tls, apiKey, metadata }`. Certificates are read from their files now, so a wrong
 * path fails at startup with the variable's name.
 */
export function temporalConnectionOptions(address: string, namespace: string, security: TemporalSecurity) {
  if (security.apiKey && security.tls === false) {
    throw new Error('TEMPORAL_API_KEY needs TLS; remove TEMPORAL_TLS=false.');
  }
  const read = (path: string, variable: string) => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new Error(`${variable}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? err}).`);
    }
  };
  const tls = security.tls
    ? {
        ...(security.serverName ? { serverNameOverride: security.serverName } : {}),
        ...(security.serverCaCertPath
          ? { serverRootCACertificate: read(security.serverCaCertPath, 'TEMPORAL_TLS_SERVER_CA_CERT_PATH') }
          : {}),
        ...(security.clientCertPath && security.clientKeyPath
          ? {
              clientCertPair: {
                crt: read(security.clientCertPath, 'TEMPORAL_TLS_CLIENT_CERT_PATH'),
                key: read(security.clientKeyPath, 'TEMPORAL_TLS_CLIENT_KEY_PATH'),
              },
            }
          : {}),
      }
    : undefined;
  return {
    address,
    ...(tls ? { tls } : {}),
    ...(security.apiKey
      ? {
          apiKey: security.apiKey,
          // Temporal Cloud routes API-key calls by this header.
          metadata: { 'temporal-namespace': namespace },
        }
      : {}),
  };
}

/** For logs: how the connection is secured, never the key itself. */
export function describeSecurity(security: TemporalSecurity): string {
  if (!security.tls) return 'plaintext';
  const parts = ['TLS'];
  if (security.clientCertPath) parts.push('mTLS client certificate');
  if (security.apiKey) parts.push('API key');
  if (security.serverName) parts.push(`server name ${security.serverName}`);
  return parts.join(', ');
}
