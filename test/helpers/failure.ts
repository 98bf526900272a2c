import type { PublishFailure } from '../../api/types';
import { PublishError } from '../../platforms/kit/adapter';

/** The classified failure a promise rejects with; the test fails if it resolves or rejects otherwise. */
export async function failureOf(promise: Promise<unknown>): Promise<PublishFailure> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PublishError);
  return (err as PublishError).failure;
}
