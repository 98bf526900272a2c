import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureApiKey } from '../../cli/services';
import { openStore } from '../../store';
import { USER_SCOPES } from '../../store/types';
import { loadConfig } from '../../runtime/config';

test('the first start makes a key that is saved and shown once, and never written into the log', async () => {
  const home = mkdtempSync(join(tmpdir(), 'first-key-'));
  const config = loadConfig({ POSTFLOW_HOME: home });
  const store = await openStore(home);
  const logged: string[] = [];
  const shown: string[] = [];
  try {
    await ensureApiKey(
      config,
      store,
      (line) => logged.push(line),
      (key) => shown.push(key),
    );
    expect(shown).toHaveLength(1);
    const saved = readFileSync(join(home, 'api-key'), 'utf8').trim();
    expect(saved).toBe(shown[0]);
    expect(statSync(join(home, 'api-key')).mode & 0o777).toBe(0o600);
    expect(await store.findApiKey(saved)).toBeTruthy();
    expect(logged.join('\n')).toContain(join(home, 'api-key'));
    expect(logged.join('\n')).not.toContain(saved);

    // The next start finds it: nothing new is made or shown.
    await ensureApiKey(
      config,
      store,
      (line) => logged.push(line),
      (key) => shown.push(key),
    );
    expect(shown).toHaveLength(1);
    expect(logged.join('\n')).not.toContain(saved);
  } finally {
    await store.close();
  }
});

test('the first-start key and POSTFLOW_API_KEY get the user scopes, not payloads:decode', async () => {
  const home = mkdtempSync(join(tmpdir(), 'first-key-'));
  const store = await openStore(home);
  const envKey = `sapi_key_${'a'.repeat(62)}`;
  try {
    await ensureApiKey(
      loadConfig({ POSTFLOW_HOME: home }),
      store,
      () => undefined,
      () => undefined,
    );
    const firstStart = readFileSync(join(home, 'api-key'), 'utf8').trim();
    await ensureApiKey(loadConfig({ POSTFLOW_HOME: home, POSTFLOW_API_KEY: envKey }), store, () => undefined);
    for (const key of [firstStart, envKey]) {
      expect((await store.findApiKey(key))?.scopes).toEqual([...USER_SCOPES]);
    }
    expect(USER_SCOPES).not.toContain('payloads:decode');
  } finally {
    await store.close();
  }
});
