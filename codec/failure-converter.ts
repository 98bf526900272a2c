import { DefaultFailureConverter } from '@temporalio/common';

/**
 * Loaded by path (`DataConverter.failureConverterPath`) so the workflow sandbox uses it too.
 * Error messages and stack traces go into an encoded attributes payload, which the payload codec
 * then encrypts: a failure quoting a post's text does not show it in history.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
