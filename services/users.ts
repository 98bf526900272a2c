import type { z } from 'zod';
import { ApiError } from '../api/errors';
import type { UserResource } from '../api/resources';
import type { updateUserSchema } from '../api/user-schemas';
import type { Store, User } from '../store/types';

/**
 * `/v1/users/me`: what a user set about themselves. Nothing else reads these fields: they name the
 * user to people and programs looking at the API (the email is not verified, and nothing is sent
 * to it). A time zone is not taken, as nothing in Postflow would act on it
 * (docs/decisions.md "Keys over the API").
 */
export class UserService {
  constructor(private readonly deps: { store: Store }) {}

  async get(userId: string): Promise<UserResource> {
    return userResource(await this.deps.store.users.get(userId), userId);
  }

  async update(userId: string, body: z.infer<typeof updateUserSchema>): Promise<UserResource> {
    return userResource(await this.deps.store.users.update(userId, body), userId);
  }
}

/** Every user a key acts for has a row (made with the first key), so a missing one is a fault. */
function userResource(user: User | undefined, userId: string): UserResource {
  if (!user)
    throw new ApiError(500, 'system.internal', `The user ${userId} has no record; mint their key again.`);
  return { id: user.id, name: user.name, email: user.email, created_at: user.createdAt };
}
