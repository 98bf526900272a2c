/**
 * How a worker process is started (deploy/systemd/postflow-worker.service and the platform
 * template, the Procfile's `worker` line, the test stack, the bench's workers). Like the API's
 * flags (runtime/api-node-flags.ts), neither can be set from inside the running process: glibc
 * reads its variable when the process starts, and V8 sizes its young generation before any code.
 *
 * Measured with sleeping posts (docs/performance.md, "Worker memory"), a worker holds two V8
 * heaps (the main thread's and the workflow thread's) and the SDK's native runtime, whose threads
 * allocate through glibc:
 * - `MALLOC_ARENA_MAX=2`: glibc gives each thread that allocates at once an arena of its own (up to
 *   8 per core), and their freed memory stays mapped. Two arenas took 40–80 MB off the worker with
 *   1,000–3,000 sleeping posts.
 * - `--max-semi-space-size=4` (MB): each V8 heap's young generation grows to three times this
 *   (16 MB by default on this Node), for both heaps; 4 took another 25–55 MB off, for more frequent
 *   (and shorter) young-generation collections.
 */
export const WORKER_NODE_FLAGS = ['--max-semi-space-size=4'] as const;
export const WORKER_ENV = { MALLOC_ARENA_MAX: '2' } as const;
