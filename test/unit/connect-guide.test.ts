import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PLATFORM_DESCRIPTORS } from '../../platforms/descriptors';

/**
 * docs/connect-guide.md tells an operator which scopes to enable on each platform's app: the
 * scopes connect asks for (each descriptor's `oauth.scopes`) must all be there, so the guide and
 * the code cannot drift apart.
 */
const guide = readFileSync(join(__dirname, '..', '..', 'docs', 'connect-guide.md'), 'utf8');

test.each(PLATFORM_DESCRIPTORS.filter((d) => d.oauth).map((d) => [d.slug, d.oauth!.scopes] as const))(
  "the guide names every scope %s's connect asks for",
  (slug, scopes) => {
    expect(guide).toContain(`(\`${slug}\``);
    expect(scopes.filter((scope) => !guide.includes(scope))).toEqual([]);
  },
);
