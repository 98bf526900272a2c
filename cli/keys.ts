import { generateApiKey } from '../store';
import { API_SCOPES, type ApiScope, type Store, USER_SCOPES } from '../store/types';
import { DEFAULT_USER } from './services';

/**
 * `postflow keys create | list | revoke`: API keys are managed where the store is, never over
 * the API. A new key is printed once; only its hash is kept.
 */
export async function keysCommand(
  args: string[],
  store: Store,
  print: (line: string) => void,
): Promise<number> {
  const [sub, ...rest] = args;
  const option = (name: string) => {
    const i = rest.indexOf(name);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  if (sub === 'create') {
    const scopes = (option('--scopes')
      ?.split(',')
      // Without --scopes: the user scopes; payloads:decode reads any user's payloads.
      .map((s) => s.trim()) ?? USER_SCOPES) as ApiScope[];
    const unknown = scopes.filter((s) => !(API_SCOPES as readonly string[]).includes(s));
    if (unknown.length) {
      print(`Unknown scope(s) ${unknown.join(', ')}; use any of ${API_SCOPES.join(', ')}.`);
      return 2;
    }
    const key = generateApiKey();
    const id = await store.addApiKey(
      option('--user') ?? DEFAULT_USER,
      key,
      option('--name') ?? 'cli',
      scopes,
    );
    print(JSON.stringify({ id, key, user_id: option('--user') ?? DEFAULT_USER, scopes }, null, 2));
    return 0;
  }
  if (sub === 'list') {
    const keys = await store.listApiKeys(option('--user'));
    print(
      JSON.stringify(
        keys.map((k) => ({
          id: k.keyId,
          user_id: k.userId,
          name: k.name,
          scopes: k.scopes,
          created_at: k.createdAt,
          revoked_at: k.revokedAt,
        })),
        null,
        2,
      ),
    );
    return 0;
  }
  if (sub === 'revoke' && rest[0]) {
    if (await store.revokeApiKey(rest[0])) {
      print(`Revoked ${rest[0]}.`);
      return 0;
    }
    print(`No active key ${rest[0]}.`);
    return 1;
  }
  print(
    'Usage: postflow keys create [--user U] [--scopes posts:read,…] [--name N] | keys list [--user U] | keys revoke <key id>',
  );
  return 2;
}
