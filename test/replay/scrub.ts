import { temporal } from '@temporalio/proto';

type History = temporal.api.history.v1.IHistory;

/**
 * A recorded history as it is committed: failures lose their stack traces, which name paths on
 * the recording machine and play no part in replay.
 */
export function scrubbed(history: History): Uint8Array {
  const decoded = temporal.api.history.v1.History.decode(
    temporal.api.history.v1.History.encode(history).finish(),
  );
  const visit = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'stackTrace' && typeof value === 'string') (node as Record<string, unknown>)[key] = '';
      else if (typeof value === 'object' && !(value instanceof Uint8Array)) visit(value);
    }
  };
  visit(decoded);
  return temporal.api.history.v1.History.encode(decoded).finish();
}
