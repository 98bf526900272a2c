import { ulid } from 'ulid';
import type { z } from 'zod';
import { ApiError, brandNotFound, validationError } from '../api/errors';
import type { BrandResource, brandListSchema } from '../api/resources';
import { type CreateBrandBody, updateBrandSchema } from '../api/schemas';
import { zodIssues } from '../api/zod-issues';
import type { Brand, Store } from '../store/types';
import { type Created, createOnce, type IdempotencyKeyHeader } from './idempotency';

export interface BrandServiceDeps {
  store: Store;
}

export function brandResource(b: Brand): BrandResource {
  return {
    id: b.id,
    name: b.name,
    requires_approval: b.requiresApproval,
    approval_by_other_key: b.approvalByOtherKey,
    created_at: b.createdAt,
  };
}

/**
 * The brands of each user (contract §4, "Brands group accounts"): named groups of accounts that
 * `GET /v1/accounts` and `GET /v1/posts` filter by. Another user's brand is as absent as a missing one.
 */
export class BrandService {
  constructor(private readonly deps: BrandServiceDeps) {}

  async create(
    userId: string,
    { name, requires_approval, approval_by_other_key }: CreateBrandBody,
    idempotencyKey: IdempotencyKeyHeader,
  ): Promise<Created<BrandResource>> {
    const { store } = this.deps;
    const { resource, replayed } = await createOnce(
      store,
      userId,
      'brands',
      idempotencyKey,
      `brand_${ulid()}`,
      (id) => store.brands.get(id, userId),
      (id) =>
        store.brands.create({
          id,
          userId,
          name,
          requiresApproval: requires_approval ?? false,
          approvalByOtherKey: approval_by_other_key ?? false,
        }),
    );
    return { resource: brandResource(resource), replayed };
  }

  async list(userId: string): Promise<z.infer<typeof brandListSchema>> {
    const data = (await this.deps.store.brands.list(userId)).map(brandResource);
    return { count: data.length, data };
  }

  async get(userId: string, id: string): Promise<BrandResource> {
    return brandResource(await this.owned(userId, id));
  }

  /** Renames a brand or changes its approval settings; the body is read once the brand is found (an unknown brand is a 404 whatever the body). */
  async update(userId: string, id: string, body: unknown): Promise<BrandResource> {
    const brand = await this.owned(userId, id);
    const parsed = updateBrandSchema.safeParse(body ?? {});
    if (!parsed.success) throw validationError(zodIssues(parsed.error));
    const { name, requires_approval, approval_by_other_key } = parsed.data;
    const patch = { name, requiresApproval: requires_approval, approvalByOtherKey: approval_by_other_key };
    if (Object.values(patch).every((v) => v === undefined)) return brandResource(brand);
    return brandResource((await this.deps.store.brands.update(brand.id, patch))!);
  }

  /**
   * Deletes a brand no account belongs to. One with accounts is refused (409 `brand.in_use`,
   * naming them) rather than emptied: the caller moves or deletes the accounts first, so no
   * account leaves its brand, and no brand filter changes meaning, without being asked to.
   */
  async remove(userId: string, id: string): Promise<void> {
    const brand = await this.owned(userId, id);
    const outcome = await this.deps.store.brands.remove(brand.id);
    if (outcome === 'missing') throw brandNotFound(id);
    if (outcome === 'in_use') {
      const accountIds = (await this.deps.store.listAccounts(userId, { brandId: brand.id })).map((a) => a.id);
      throw new ApiError(
        409,
        'brand.in_use',
        `Brand ${id} still has ${accountIds.length} account(s) (${accountIds.join(', ')}); move them to another brand or out of it (PATCH /v1/accounts/{id} with "brand_id": null), or delete them, first.`,
        { resource: 'brand', id, account_ids: accountIds },
      );
    }
  }

  private owned(userId: string, id: string): Promise<Brand> {
    return ownBrand(this.deps.store, userId, id);
  }
}

/**
 * The caller's brand, or 404 `brand.not_found` (another user's is as absent as a missing one);
 * `field` names where a request gave the id (`brand_id` in a body or query).
 */
export async function ownBrand(store: Store, userId: string, id: string, field?: string): Promise<Brand> {
  const brand = await store.brands.get(id, userId);
  if (!brand) throw brandNotFound(id, field);
  return brand;
}

/** A `brand_id` query parameter: one id, or nothing when absent or empty; repeated is refused. */
export function brandIdParam(value: string | string[] | undefined): string | undefined {
  if (Array.isArray(value)) {
    throw validationError([
      { field: 'brand_id', code: 'validation.field_invalid', message: 'give one brand id, once.' },
    ]);
  }
  return value || undefined;
}
