/** The workflow bundle's entry: workflow functions only. */
export { publishPost } from './publish-post';
export { deliverWebhook } from './webhook-delivery';
export { unpublishPost } from './unpublish-post';
export { tokenUpkeep } from './token-upkeep';
export { importPosts } from './import-posts';
export { recurringOccurrence } from './recurring-occurrence';
export { recyclePost } from './recycle-post';
export { oauthConnection } from './oauth-connection';
export { credentialCheck } from './credential-check';
export { accountHelper } from './account-helper';
export { collectPostMetrics } from './collect-metrics';
