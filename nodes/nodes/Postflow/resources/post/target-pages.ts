import type { IDataObject, IExecuteFunctions, ILoadOptionsFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { postflowRequest } from '../../transport';

/**
 * Platforms whose account is one grant with several pages (docs/api.md "Pages of one grant"): a
 * target may post to another page of the grant than the account's default with `page_id`.
 */
export const PAGE_PLATFORMS = ['facebook', 'google', 'instagram_business', 'linkedin_page'];

/** The Pages option's values: `accountId:pageId` as the picker makes them. */
const SEPARATOR = ':';

interface AccountRow {
	id: string;
	name: string;
	platform: string;
}

/** The pages of one account, as `GET /v1/accounts/{id}/pages` lists them. */
export async function pagesOf(
	ctx: IExecuteFunctions | ILoadOptionsFunctions,
	accountId: string,
	itemIndex?: number,
): Promise<Array<{ id: string; name: string; is_default: boolean }>> {
	const answer = await postflowRequest.call(
		ctx,
		'GET',
		`/v1/accounts/${encodeURIComponent(accountId)}/pages`,
		itemIndex === undefined ? {} : { itemIndex },
	);
	return (answer.data as Array<{ id: string; name: string; is_default: boolean }>) ?? [];
}

/** The chosen accounts that have pages, from the accounts list (the node knows only their ids). */
export async function pageAccounts(
	ctx: IExecuteFunctions | ILoadOptionsFunctions,
	chosen: string[],
	itemIndex?: number,
): Promise<AccountRow[]> {
	const answer = await postflowRequest.call(
		ctx,
		'GET',
		'/v1/accounts',
		itemIndex === undefined ? {} : { itemIndex },
	);
	return ((answer.data as AccountRow[]) ?? []).filter(
		(a) => PAGE_PLATFORMS.includes(a.platform) && chosen.includes(a.id),
	);
}

/** The picker's value for one page of one account. */
export const pageOptionValue = (accountId: string, pageId: string) =>
	`${accountId}${SEPARATOR}${pageId}`;

/**
 * Gives targets the pages chosen (`page_id`, for this post only; the account's default page
 * stays). A value from the picker names its account; a bare page ID (from an expression) goes to
 * the chosen account whose pages include it. One page per account.
 */
export async function postToPages(
	ctx: IExecuteFunctions,
	i: number,
	targets: IDataObject[],
	values: string[],
): Promise<void> {
	const chosen = targets.map((t) => String(t.account_id));
	const pageOf = new Map<string, string>();
	let candidates: AccountRow[] | undefined;
	for (const value of values) {
		const cut = value.indexOf(SEPARATOR);
		const named = cut > 0 ? value.slice(0, cut) : '';
		let accountId: string | undefined;
		let pageId = value;
		if (chosen.includes(named)) {
			accountId = named;
			pageId = value.slice(cut + 1);
		} else {
			candidates ??= await pageAccounts(ctx, chosen, i);
			for (const account of candidates) {
				if ((await pagesOf(ctx, account.id, i)).some((p) => p.id === value)) {
					accountId = account.id;
					break;
				}
			}
		}
		if (!accountId) {
			throw new NodeOperationError(
				ctx.getNode(),
				`Page "${value}" is not a page of the accounts chosen [item ${i}]`,
				{
					itemIndex: i,
					description:
						'Choose pages from the list (it shows the pages of the Facebook, Instagram business, LinkedIn page and Google Business Profile accounts chosen above).',
				},
			);
		}
		if (pageOf.has(accountId) && pageOf.get(accountId) !== pageId) {
			throw new NodeOperationError(
				ctx.getNode(),
				`Two pages chosen for account "${accountId}" [item ${i}]`,
				{ itemIndex: i, description: 'A post goes to one page of each account.' },
			);
		}
		pageOf.set(accountId, pageId);
	}
	for (const target of targets) {
		const page = pageOf.get(String(target.account_id));
		if (page) target.page_id = page;
	}
}
