export type * from './types';
export {
  ApiError,
  type Issue,
  validationError,
  postNotFound,
  accountNotFound,
  errorEnvelope,
} from './errors';
export { normaliseCreatePost, applyPostUpdate, type AccountInfo, type NormaliseContext } from './normalise';
export { toPostResource, isSettled, initialPostState } from './post-resource';
export { PLATFORM_RULES, checkPlatformRules, type PlatformRules } from './platform-rules';
export {
  createAccountSchema,
  createPostSchema,
  updatePostSchema,
  instantSchema,
  type CreateAccountBody,
} from './schemas';
export { sandboxOptionsSchema, type SandboxOptions } from '../platforms/sandbox/descriptor';
export { zodIssues, fieldPath } from './zod-issues';
