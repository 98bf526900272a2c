import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec } from './encryption-codec';
import type { PayloadKey } from './keys';

/**
 * The data converter every Postflow part that talks to Temporal shares (worker, client, HTTP API):
 * with keys, payloads and failure messages are encrypted; without, Temporal's defaults.
 */
export function postflowDataConverter(keys: readonly PayloadKey[]): DataConverter | undefined {
  if (keys.length === 0) return undefined;
  return {
    payloadCodecs: [new EncryptionCodec(keys)],
    failureConverterPath: require.resolve('./failure-converter'),
  };
}
