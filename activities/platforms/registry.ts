import type { Store } from '../../store/types';
import type { PlatformAdapter } from './adapter';
import { createSandboxAdapter } from './sandbox';

/** Platform slug → adapter. Adding a platform means adding its file and one line here. */
export type PlatformRegistry = ReadonlyMap<string, PlatformAdapter>;

export interface PlatformDeps {
  store: Store;
  /** Base URL where Postflow is reachable (permalinks of sandbox posts, media for URL-fetching platforms). */
  publicUrl: string;
}

export function createPlatformRegistry(deps: PlatformDeps): PlatformRegistry {
  const adapters = [createSandboxAdapter(deps.store, deps.publicUrl)];
  return new Map(adapters.map((a) => [a.platform, a]));
}

/** Platforms this build can publish to (accounts may only be created for these). */
export const AVAILABLE_PLATFORMS = ['sandbox'] as const;
