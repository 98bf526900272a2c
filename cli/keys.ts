import { ApiError } from '../api/errors';
import { KeyService } from '../services/keys';
import type { Store } from '../store/types';
import { DEFAULT_USER } from './services';

/**
 * `postflow keys create | list | revoke`: API keys managed where the store is, for any user and
 * any scope (`/v1/keys` manages only the caller's user's keys, never `payloads:decode`). A new key
 * is printed once; only its hash is kept.
 */
export async function keysCommand(
  args: string[],
  store: Store,
  print: (line: string) => void,
): Promise<number> {
  const keys = new KeyService({ store });
  const [sub, ...rest] = args;
  const option = (name: string) => {
    const i = rest.indexOf(name);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  if (sub === 'create') {
    // Without --scopes: the user scopes.
    const scopes = option('--scopes')
      ?.split(',')
      .map((s) => s.trim());
    try {
      const created = await keys.create(option('--user') ?? DEFAULT_USER, {
        name: option('--name') ?? 'cli',
        ...(scopes ? { scopes } : {}),
      });
      print(JSON.stringify(created, null, 2));
      return 0;
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      print(err.message);
      return 2;
    }
  }
  if (sub === 'list') {
    print(JSON.stringify(await keys.list(option('--user')), null, 2));
    return 0;
  }
  if (sub === 'revoke' && rest[0]) {
    if (await keys.revoke(rest[0])) {
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
