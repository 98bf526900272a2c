/**
 * The store's tables, in SQL that SQLite and PostgreSQL both run unchanged (TEXT timestamps in
 * ISO 8601, INTEGER flags), so one set of statements and migrations serves both databases.
 */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS accounts (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  platform TEXT NOT NULL,
  name TEXT NOT NULL,
  username TEXT,
  status TEXT NOT NULL DEFAULT 'active',
  reconnect_reason TEXT,
  credentials TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS accounts_user ON accounts (user_id);
CREATE TABLE IF NOT EXISTS api_keys (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  name TEXT NOT NULL,
  key_hash TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sandbox_posts (
  platform_post_id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  ref TEXT NOT NULL,
  body TEXT NOT NULL,
  published_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sandbox_posts_account ON sandbox_posts (account_id, published_at);
CREATE INDEX IF NOT EXISTS sandbox_posts_ref ON sandbox_posts (account_id, ref);
CREATE TABLE IF NOT EXISTS sandbox_attempts (
  ref TEXT PRIMARY KEY,
  attempts INTEGER NOT NULL
);
`;

/**
 * Changes to the schema after its first version, applied in order and recorded in
 * SQLite's `PRAGMA user_version` or PostgreSQL's `postflow_schema` table, so an existing `postflow.db` is brought up to date on open.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: scoped and revocable API keys
  // The scopes of that time, spelled out: keys made before scopes existed get no scope added later.
  `ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT 'posts:read posts:write media:read media:write accounts:read accounts:manage webhooks:manage';
   ALTER TABLE api_keys ADD COLUMN revoked_at TEXT;`,
  // 2: webhook endpoints and their delivery log
  `CREATE TABLE webhook_endpoints (
     id TEXT PRIMARY KEY,
     user_id TEXT NOT NULL,
     url TEXT NOT NULL,
     events TEXT NOT NULL,
     secret TEXT NOT NULL,
     is_active INTEGER NOT NULL DEFAULT 1,
     created_at TEXT NOT NULL
   );
   CREATE INDEX webhook_endpoints_user ON webhook_endpoints (user_id);
   CREATE TABLE webhook_deliveries (
     id TEXT PRIMARY KEY,
     endpoint_id TEXT NOT NULL,
     event TEXT NOT NULL,
     status TEXT NOT NULL,
     attempts INTEGER NOT NULL,
     last_status_code INTEGER,
     last_error TEXT,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL
   );
   CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at);`,
  // 3: idempotency keys of creating requests
  `CREATE TABLE idempotency_keys (
     user_id TEXT NOT NULL,
     scope TEXT NOT NULL,
     key TEXT NOT NULL,
     resource_id TEXT NOT NULL,
     created_at TEXT NOT NULL,
     PRIMARY KEY (user_id, scope, key)
   );`,
  // 4: the media library (files on disk or in an S3-compatible bucket; rows say where)
  `CREATE TABLE media (
     id TEXT PRIMARY KEY,
     user_id TEXT NOT NULL,
     filename TEXT NOT NULL,
     content_type TEXT NOT NULL,
     size_bytes BIGINT,
     status TEXT NOT NULL,
     storage_key TEXT NOT NULL,
     created_at TEXT NOT NULL
   );
   CREATE INDEX media_user ON media (user_id, id);`,
  // 5: targets of published posts deleted from their platform (DELETE /v1/posts/{id})
  `CREATE TABLE unpublished_targets (
     post_id TEXT NOT NULL,
     account_id TEXT NOT NULL,
     deleted_at TEXT NOT NULL,
     PRIMARY KEY (post_id, account_id)
   );`,
  // 6: webhook endpoints bound to one post (a create request's callback_url)
  `ALTER TABLE webhook_endpoints ADD COLUMN post_id TEXT;`,
  // 7: post idempotency keys live for a set time; purging the old ones is a range of this index
  `CREATE INDEX idempotency_keys_age ON idempotency_keys (scope, created_at);`,
  // 8: the first-start key and POSTFLOW_API_KEY were made with every scope, payloads:decode (any
  // user's payloads) included; they keep the user scopes. Keys minted with --scopes are untouched.
  `UPDATE api_keys
     SET scopes = 'posts:read posts:write media:read media:write accounts:read accounts:manage webhooks:manage'
   WHERE name IN ('first start', 'POSTFLOW_API_KEY')
     AND scopes = 'posts:read posts:write media:read media:write accounts:read accounts:manage webhooks:manage payloads:decode';`,
  // 9: brands group a user's accounts (an account is in one brand or none)
  `CREATE TABLE brands (
     id TEXT PRIMARY KEY,
     user_id TEXT NOT NULL,
     name TEXT NOT NULL,
     created_at TEXT NOT NULL
   );
   CREATE INDEX brands_user ON brands (user_id, id);
   ALTER TABLE accounts ADD COLUMN brand_id TEXT;
   CREATE INDEX accounts_brand ON accounts (brand_id);`,
  // 10: users, with what they set about themselves. Users were only ids on keys and resources: each
  // gets a row from when its first key or account was made.
  `CREATE TABLE users (
     id TEXT PRIMARY KEY,
     name TEXT,
     email TEXT,
     created_at TEXT NOT NULL
   );
   INSERT INTO users (id, created_at)
     SELECT user_id, min(created_at) FROM (
       SELECT user_id, created_at FROM api_keys UNION ALL SELECT user_id, created_at FROM accounts
     ) AS owned GROUP BY user_id;`,
  // 11: bulk imports (POST /v1/posts/import): each row's outcome; a valid row's spec (sealed)
  // until its post is started
  `CREATE TABLE post_imports (
     id TEXT PRIMARY KEY,
     user_id TEXT NOT NULL,
     status TEXT NOT NULL,
     created_at TEXT NOT NULL
   );
   CREATE TABLE post_import_rows (
     import_id TEXT NOT NULL,
     row_index INTEGER NOT NULL,
     post_id TEXT,
     outcome TEXT NOT NULL,
     problems TEXT,
     spec TEXT,
     PRIMARY KEY (import_id, row_index)
   );`,
  // 12: a brand's approval settings (posts to its accounts need approval; by another key)
  `ALTER TABLE brands ADD COLUMN requires_approval INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE brands ADD COLUMN approval_by_other_key INTEGER NOT NULL DEFAULT 0;`,
  // 13: posting queues (weekly slots of an account or a brand) and the posts holding their slots.
  // The primary key (queue_id, slot_at) is what keeps two posts out of one slot across processes.
  `CREATE TABLE queues (
     id TEXT PRIMARY KEY,
     user_id TEXT NOT NULL,
     account_id TEXT,
     brand_id TEXT,
     timezone TEXT NOT NULL,
     slots TEXT NOT NULL,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL
   );
   CREATE INDEX queues_user ON queues (user_id, id);
   CREATE UNIQUE INDEX queues_account ON queues (account_id);
   CREATE UNIQUE INDEX queues_brand ON queues (brand_id);
   CREATE TABLE queue_slots (
     queue_id TEXT NOT NULL,
     slot_at TEXT NOT NULL,
     post_id TEXT NOT NULL UNIQUE,
     created_at TEXT NOT NULL,
     PRIMARY KEY (queue_id, slot_at)
   );`,
  // 14: recurring posts (each one's Temporal Schedule has its id): the post body as given and the
  // spec each occurrence starts from (both sealed), the rule; and each occurrence's post
  `CREATE TABLE recurring_posts (
     id TEXT PRIMARY KEY,
     user_id TEXT NOT NULL,
     body TEXT NOT NULL,
     spec TEXT NOT NULL,
     rule TEXT NOT NULL,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL
   );
   CREATE INDEX recurring_posts_user ON recurring_posts (user_id, id);
   CREATE TABLE recurring_occurrences (
     recurring_id TEXT NOT NULL,
     occurrence_at TEXT NOT NULL,
     post_id TEXT NOT NULL,
     PRIMARY KEY (recurring_id, occurrence_at)
   );`,
  // 15: redirect URIs a user registered for connect (`/v1/oauth/redirect-uris`), exact URIs,
  // each once per user
  `CREATE TABLE oauth_redirect_uris (
     id TEXT PRIMARY KEY,
     user_id TEXT NOT NULL,
     uri TEXT NOT NULL,
     created_at TEXT NOT NULL
   );
   CREATE UNIQUE INDEX oauth_redirect_uris_user ON oauth_redirect_uris (user_id, uri);`,
  // 16: the contract's account fields connect reads (docs/api.md "Account fields"): the profile
  // picture, the bio, the platform user whose grant it is, the page it posts to
  `ALTER TABLE accounts ADD COLUMN profile_picture_url TEXT;
   ALTER TABLE accounts ADD COLUMN bio TEXT;
   ALTER TABLE accounts ADD COLUMN login_id TEXT;
   ALTER TABLE accounts ADD COLUMN page_name TEXT;`,
  // 17: the allowances a platform reports only in its answers (X's 24-hour post caps): the last
  // answer's, one row per account, served by GET /v1/accounts/{id}/limits
  `CREATE TABLE account_limits (
     account_id TEXT PRIMARY KEY,
     limits TEXT NOT NULL,
     observed_at TEXT NOT NULL
   );`,
  // 18: a video's duration in seconds, read from its file when the bytes arrive (MP4/MOV `mvhd`),
  // for the TikTok creator's maximum at post creation; NULL where unknown (images, other formats,
  // items stored before this)
  `ALTER TABLE media ADD COLUMN duration_sec DOUBLE PRECISION;`,
  // 19: analytics: every metrics pass of each published target, keyed by the time it was due
  // (the schedule's offset after the publish), so a pass read twice (a worker killed after the read
  // was stored) stays one row; the latest pass is the Post resource's `metrics`
  `CREATE TABLE post_metrics (
     post_id TEXT NOT NULL,
     account_id TEXT NOT NULL,
     due_at TEXT NOT NULL,
     synced_at TEXT NOT NULL,
     metrics TEXT NOT NULL,
     PRIMARY KEY (post_id, account_id, due_at)
   );`,
  // 20: long uploads' platform sessions (a YouTube session URL is a capability: sealed), by an
  // opaque key that workflow history and heartbeat details carry instead; one row per upload
  // activity, so a retry on another worker goes on in the same session (docs/platforms.md
  // "Uploads that survive a crash")
  `CREATE TABLE upload_sessions (
     key TEXT PRIMARY KEY,
     account_id TEXT NOT NULL,
     platform TEXT NOT NULL,
     session TEXT NOT NULL,
     created_at TEXT NOT NULL
   );
   CREATE INDEX upload_sessions_created ON upload_sessions (created_at);`,
  // 21: the token an OAuth connection's code was redeemed for (sealed), kept under the connection's
  // id from the token call until the account is saved, then only what was saved (no secret), so a
  // retried redemption never sends the one-time code again (docs/reliability.md "Connecting an
  // account survives a crash")
  `CREATE TABLE connection_tokens (
     connection_id TEXT PRIMARY KEY,
     platform TEXT NOT NULL,
     credentials TEXT,
     connected TEXT,
     created_at TEXT NOT NULL
   );
   CREATE INDEX connection_tokens_created ON connection_tokens (created_at);`,
];
