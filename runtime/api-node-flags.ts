/**
 * Node flags the API process is started with (deploy/systemd/postflow-api.service, the Procfile's
 * `api` line, the test stack). They cannot be set from inside a running process, nor through
 * `NODE_OPTIONS`, so they live on the command line.
 *
 * `--initial-old-space-size=96`: every 64 KiB an upload's socket delivers is a new `Buffer`, and
 * V8 counts their memory toward the old generation's limit. With the API's small heap (about
 * 50 MB live) that limit is near, so a 2 GiB upload to a disk set off a full collection every
 * 24 MB or so (87 in one upload), which took two thirds of the API's CPU and held its upload to
 * about half of curl's. A 96 MB floor under the limit left one (docs/performance.md, media).
 */
export const API_NODE_FLAGS = ['--initial-old-space-size=96'] as const;
