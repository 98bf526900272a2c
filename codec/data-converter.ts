import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec } from './encryption-codec';
import type { PayloadKey } from './keys';

/** Loaded by path, so the workflow sandbox (and a prebuilt workflow bundle) uses it too. */
export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');

/**
 * The data converter every Postflow part that talks to Temporal shares (worker, client, HTTP API):
 * with keys, payloads and failure messages are encrypted; without, Temporal's defaults.
 */
export function postflowDataConverter(keys: readonly PayloadKey[]): DataConverter | undefined {
  if (keys.length === 0) return undefined;
  return {
    payloadCodecs: [new EncryptionCodec(keys)],
    failureConverterPath: FAILURE_CONVERTER_PATH,
  };
}
