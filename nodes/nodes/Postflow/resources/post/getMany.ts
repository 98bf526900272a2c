import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { postflowRequest } from '../../transport';

const showOnlyForPostGetMany = { operation: ['getAll'], resource: ['post'] };

export const postGetManyDescription: INodeProperties[] = [
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		description: 'Whether to return all results or only up to a given limit',
		displayOptions: { show: showOnlyForPostGetMany },
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 100 },
		default: 50,
		description: 'Max number of results to return',
		displayOptions: { show: { ...showOnlyForPostGetMany, returnAll: [false] } },
	},
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		displayOptions: { show: showOnlyForPostGetMany },
		options: [
			{
				displayName: 'Account IDs',
				name: 'accountIds',
				type: 'string',
				default: '',
				placeholder: 'e.g. acc_01J…,acc_01K…',
				description: 'Posts targeting any of these accounts, separated by commas',
			},
			{
				displayName: 'From',
				name: 'from',
				type: 'dateTime',
				default: '',
				description: 'Scheduled (or, when unscheduled, created) at or after',
			},
			{
				displayName: 'Platform',
				name: 'platform',
				type: 'string',
				default: '',
				placeholder: 'e.g. instagram',
			},
			{
				displayName: 'Search',
				name: 'search',
				type: 'string',
				default: '',
				description: 'Words that must all appear in the text',
			},
			{
				displayName: 'Sort',
				name: 'sort',
				type: 'options',
				default: 'scheduled_asc',
				options: [
					{ name: 'Created, Newest First', value: 'created_desc' },
					{ name: 'Created, Oldest First', value: 'created_asc' },
					{ name: 'Scheduled, Latest First', value: 'scheduled_desc' },
					{ name: 'Scheduled, Soonest First', value: 'scheduled_asc' },
				],
			},
			{
				displayName: 'Status',
				name: 'status',
				type: 'options',
				default: 'scheduled',
				options: [
					{ name: 'Cancelled', value: 'cancelled' },
					{ name: 'Draft', value: 'draft' },
					{ name: 'Failed', value: 'failed' },
					{ name: 'Partial', value: 'partial' },
					{ name: 'Published', value: 'published' },
					{ name: 'Publishing', value: 'publishing' },
					{ name: 'Scheduled', value: 'scheduled' },
				],
			},
			{
				displayName: 'To',
				name: 'to',
				type: 'dateTime',
				default: '',
				description: 'Scheduled (or, when unscheduled, created) at or before',
			},
		],
	},
];

/** Pages through `GET /v1/posts` with its cursor until the limit (or everything) is read. */
export async function getManyPosts(
	this: IExecuteFunctions,
	i: number,
): Promise<INodeExecutionData[]> {
	const returnAll = this.getNodeParameter('returnAll', i) as boolean;
	const limit = returnAll
		? Number.POSITIVE_INFINITY
		: (this.getNodeParameter('limit', i) as number);
	const filters = this.getNodeParameter('filters', i, {}) as IDataObject;
	const qs: IDataObject = {};
	if (filters.status) qs.status = filters.status;
	if (filters.accountIds) qs.account_ids = String(filters.accountIds).replace(/\s+/g, '');
	if (filters.platform) qs.platform = filters.platform;
	if (filters.search) qs.search = filters.search;
	if (filters.sort) qs.sort = filters.sort;
	for (const edge of ['from', 'to'] as const) {
		if (filters[edge]) qs[edge] = new Date(Date.parse(filters[edge] as string)).toISOString();
	}
	const posts: IDataObject[] = [];
	let cursor = '';
	do {
		const page = await postflowRequest.call(this, 'GET', '/v1/posts', {
			qs: { ...qs, limit: Math.min(100, limit - posts.length), ...(cursor ? { cursor } : {}) },
			itemIndex: i,
		});
		posts.push(...((page.data as IDataObject[]) ?? []));
		const pagination = (page.pagination as IDataObject | undefined) ?? {};
		cursor = pagination.has_more ? String(pagination.next_cursor ?? '') : '';
	} while (cursor && posts.length < limit);
	return posts.slice(0, limit).map((post) => ({ json: post, pairedItem: { item: i } }));
}
