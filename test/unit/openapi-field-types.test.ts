import { openApiDocument } from '../../server/openapi/document';

/**
 * The field types /openapi.json promises for every answer, held to the contract
 * (docs/decisions.md "Field types"): no field may be null or absent unless it is listed here, and
 * no object may carry fields its schema does not name. Making a field nullable or optional is a
 * contract decision: add it to the lists below and to the docs, with the reason.
 */
type Schema = {
  $ref?: string;
  type?: string | string[];
  anyOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
};

type Doc = {
  paths: Record<
    string,
    Record<string, { responses?: Record<string, { content?: Record<string, { schema: Schema }> }> }>
  >;
  components: { schemas: Record<string, Schema> };
};
const INPUTS = new Set([
  'CreatePost',
  'UpdatePost',
  'CreateAccount',
  'UpdateAccount',
  'ReconnectAccount',
  'CreateBrand',
  'UpdateBrand',
  'CreateQueue',
  'UpdateQueue',
  'Unpublish',
  'Retry',
  'CreateWebhook',
  'UpdateWebhook',
  'CreateKey',
  'UpdateUser',
  'CreateRecurringPost',
  'UpdateRecurringPost',
]);
interface Findings {
  nullable: string[];
  optional: string[];
  open: string[];
  embeds: string[];
}

function walk(schema: Schema, at: string, found: Findings, top = false): void {
  const component = byJson.get(JSON.stringify(schema));
  if (!top && component) return void found.embeds.push(`${at}: ${component}`);
  if (schema.$ref) return void found.embeds.push(`${at}: ${schema.$ref.split('/').pop()}`);
  const variants = schema.anyOf?.filter((v) => v.type !== 'null');
  if (schema.anyOf && variants!.length < schema.anyOf.length) found.nullable.push(at);
  for (const variant of variants ?? []) walk(variant, at, found);
  const types = [schema.type ?? []].flat();
  if (types.includes('null') && types.length > 1) found.nullable.push(at);
  if (types.includes('object')) {
    if (schema.additionalProperties !== false) found.open.push(at);
    for (const [key, property] of Object.entries(schema.properties ?? {})) {
      if (!schema.required?.includes(key)) found.optional.push(`${at}.${key}`);
      walk(property, `${at}.${key}`, found);
    }
    if (typeof schema.additionalProperties === 'object') walk(schema.additionalProperties, `${at}.*`, found);
  }
  if (types.includes('array') && schema.items) walk(schema.items, `${at}[]`, found);
}

const found: Findings = { nullable: [], optional: [], open: [], embeds: [] };
/** Component schemas by their JSON, to tell an embedded resource by its component. */
let byJson = new Map<string, string>();

beforeAll(async () => {
  const doc = (await openApiDocument('http://localhost')) as Doc;
  const outputs = Object.entries(doc.components.schemas).filter(([name]) => !INPUTS.has(name));
  // A resource embedded in another answer is named by its component (`RetryResult.post` is a Post).
  byJson = new Map(outputs.map(([name, schema]) => [JSON.stringify(schema), name]));
  for (const [name, schema] of outputs) walk(schema, name, found, true);
  for (const [path, item] of Object.entries(doc.paths))
    for (const [method, operation] of Object.entries(item))
      for (const [status, answer] of Object.entries(operation.responses ?? {})) {
        const schema = answer.content?.['application/json']?.schema;
        if (schema && path !== '/openapi.json')
          walk(schema, `${method.toUpperCase()} ${path} ${status}`, found);
      }
});

test('only the fields docs/decisions.md lists may be null; every other field is never null', () => {
  expect(found.nullable.sort()).toEqual(
    [
      // The contract types none of these; null says "none yet" or "not set" (see the docs).
      'Post.title',
      'Post.scheduled_at',
      'Post.targets[].platform_post_id',
      'Post.targets[].permalink',
      'Post.targets[].published_at',
      'Post.targets[].scheduled_at',
      'Post.targets[].error',
      'Post.targets[].metrics',
      'Post.targets[].metrics_synced_at',
      'PostMetrics.targets[].platform_post_id',
      'PostMetrics.targets[].metrics',
      'PostMetrics.targets[].metrics_synced_at',
      'Post.approval',
      'Post.approval.expires_at',
      'Post.approval.approved_at',
      'Post.approval.approved_by',
      'Post.approval.rejected_at',
      'Post.approval.rejected_by',
      'Post.approval.rejected_reason',
      'Post.recycle',
      'DeletePostResult.post',
      'Account.username',
      'Account.reconnect_reason',
      'Account.brand_id',
      'Account.profile_picture_url',
      'Account.bio',
      'Account.login_id',
      'Account.page_name',
      'ConnectedAccount.username',
      'ConnectedAccount.display_name',
      'ConnectedAccount.profile_picture_url',
      'AccountPage.picture_url',
      'Queue.account_id',
      'Queue.brand_id',
      'QueueWithSlots.account_id',
      'QueueWithSlots.brand_id',
      'QueueWithSlots.upcoming[].post_id',
      'Media.size_bytes',
      'Media.duration_sec',
      'Media.url',
      'MediaUploaded.size_bytes',
      'MediaUploaded.duration_sec',
      'MediaUploaded.url',
      'Webhook.post_id',
      'WebhookCreated.post_id',
      'WebhookDelivery.last_status_code',
      'WebhookDelivery.last_error',
      'WebhookTestResult.status_code',
      'ValidationReport.errors[].platform',
      'ValidationReport.warnings[].platform',
      'ImportReport.id',
      'ImportReport.rows[].post_id',
      'RecurringPost.interval',
      'RecurringPost.cron',
      'RecurringPost.time_zone',
      'RecurringPost.start_at',
      'RecurringPost.end',
      'OccurrenceList.data[].post',
      'SandboxPost.title',
      'Key.revoked_at',
      'KeyCreated.revoked_at',
      'User.name',
      'User.email',
    ].sort(),
  );
});

test('only the fields docs/decisions.md lists may be absent', () => {
  expect(found.optional.sort()).toEqual(
    [
      // The contract: `meta` is optional, a delete result's `message?`, the secret is shown once.
      'Error.error.meta',
      'DeletePostResult.results[].message',
      'UnpublishResult.results[].message',
      'WebhookCreated.secret',
      // Postflow's own: the reason a test ping failed; a reserved metadata key; constraints a
      // platform does not have.
      'WebhookTestResult.error',
      'Post.targets[].metadata.warnings',
      'PlatformConstraints.title',
      'PlatformConstraints.media.kinds',
      'PlatformConstraints.required_options[].values',
      // A platform's file limits: only the kinds and bounds it documents.
      'PlatformConstraints.media.limits',
      'PlatformConstraints.media.limits.image',
      'PlatformConstraints.media.limits.image.min_bytes',
      'PlatformConstraints.media.limits.image.max_bytes',
      'PlatformConstraints.media.limits.image.min_duration_sec',
      'PlatformConstraints.media.limits.image.max_duration_sec',
      'PlatformConstraints.media.limits.image.types',
      'PlatformConstraints.media.limits.video',
      'PlatformConstraints.media.limits.video.min_bytes',
      'PlatformConstraints.media.limits.video.max_bytes',
      'PlatformConstraints.media.limits.video.min_duration_sec',
      'PlatformConstraints.media.limits.video.max_duration_sec',
      'PlatformConstraints.media.limits.video.types',
      // An upload URL's parts, only when the client gave the file's size (docs/api.md).
      'UploadUrl.parts',
    ].sort(),
  );
});

test('every answer is closed, except the free-form objects the contract leaves open', () => {
  expect(found.open.sort()).toEqual(
    [
      'Post.platform_options',
      'Post.targets[].metadata',
      // The platform's other counts under its own names (views, impressions).
      'Post.targets[].metrics.extra',
      'PostMetrics.targets[].metrics.extra',
      'SandboxPost.platform_options',
      'Error.error.meta',
      'PlatformConstraintsList.data',
      // The post body each occurrence is made from, as the caller gave it.
      'RecurringPost.post',
      // The caller's metadata, handed back with a connected account.
      'ConnectedAccount.metadata',
      // Remaining counts under the platform's own keys (Instagram: posts_remaining).
      'AccountLimits',
    ].sort(),
  );
});

test('answers embed the resources by their component, so each is checked once and alike everywhere', () => {
  expect(found.embeds).toEqual(
    expect.arrayContaining([
      'PostPage.data[]: Post',
      'RetryResult.post: Post',
      'DeletePostResult.post: Post',
      'AccountList.data[]: Account',
      'AccountPageList.data[]: AccountPage',
      'MediaPage.data[]: Media',
      'MediaVerified.media: Media',
      'WebhookList.data[]: Webhook',
      'WebhookDeliveryList.data[]: WebhookDelivery',
      'SandboxPostList.data[]: SandboxPost',
      'PlatformConstraintsList.data.*: PlatformConstraints',
      'RecurringPostList.data[]: RecurringPost',
      'OccurrenceList.data[].post: Post',
      'BoardList.data[]: Board',
    ]),
  );
});
