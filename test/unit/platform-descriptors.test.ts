import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createPlatformRegistry } from '../../activities/platforms/registry';
import { ADAPTER_FACTORIES } from '../../platforms/adapters';
import { PLATFORM_DESCRIPTORS } from '../../platforms/descriptors';
import type { Store } from '../../store/types';

const registry = createPlatformRegistry({ store: {} as Store, publicUrl: 'http://postflow.test' });

describe('the platform descriptors (platforms/descriptors.ts)', () => {
  test('name each platform once, each with one adapter factory (platforms/adapters.ts)', () => {
    const slugs = PLATFORM_DESCRIPTORS.map((d) => d.slug);
    expect(new Set(slugs).size).toBe(slugs.length);
    expect(Object.keys(ADAPTER_FACTORIES).sort()).toEqual([...slugs].sort());
    for (const [slug, adapter] of registry) expect(adapter.platform).toBe(slug);
  });

  test.each(PLATFORM_DESCRIPTORS.map((d) => [d.slug, d] as const))(
    '%s: the capabilities are what its adapter does',
    (slug, descriptor) => {
      const adapter = registry.get(slug)!;
      expect({
        reconcile: typeof adapter.findExisting === 'function',
        refresh: typeof adapter.refresh === 'function',
        delete: typeof adapter.unpublish === 'function',
        comments: typeof adapter.comment === 'function',
        metrics: typeof adapter.fetchMetrics === 'function',
      }).toEqual(descriptor.capabilities);
    },
  );

  test('every platform folder holds its fake beside its descriptor (but the sandbox, Postflow itself)', () => {
    const platforms = join(__dirname, '../../platforms');
    const folders = readdirSync(platforms, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('/descriptor.ts'))
      .map((file) => dirname(file))
      .filter((folder) => folder !== 'sandbox');
    expect(folders.length).toBeGreaterThan(0);
    expect(folders.filter((folder) => !existsSync(join(platforms, folder, 'fake.ts')))).toEqual([]);
  });

  test("docs/platforms.md's table lists every platform, its required credentials and capabilities", () => {
    const doc = readFileSync(join(__dirname, '../../docs/platforms.md'), 'utf8');
    const table = doc.slice(doc.indexOf('## The platforms'));
    const rows = [...table.matchAll(/^\| `([a-z_]+)` \|(.*)\|$/gm)].map(([, slug, rest]) => {
      const [credentials, , reconcile, refresh, remove, comments, metrics] = rest
        .split(' | ')
        .map((cell) => cell.trim());
      // A cell says "no (why)", or how the platform does it.
      const yes = (cell: string) => !cell.startsWith('no');
      return {
        slug,
        credentials,
        capabilities: {
          reconcile: yes(reconcile),
          refresh: yes(refresh),
          delete: yes(remove),
          comments: yes(comments),
          metrics: yes(metrics),
        },
      };
    });
    expect(rows.map((r) => r.slug).sort()).toEqual(PLATFORM_DESCRIPTORS.map((d) => d.slug).sort());
    for (const { slug, credentials, capabilities } of rows) {
      const descriptor = PLATFORM_DESCRIPTORS.find((d) => d.slug === slug)!;
      for (const key of descriptor.credentials) expect(credentials).toContain(`\`${key}\``);
      expect({ slug, ...capabilities }).toEqual({ slug, ...descriptor.capabilities });
    }
  });
});
