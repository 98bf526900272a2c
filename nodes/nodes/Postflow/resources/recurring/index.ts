import { createHash } from 'node:crypto';
import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { postflowRequest } from '../../transport';

/**
 * Recurring posts (`/v1/recurring-posts`): a post that repeats on an interval or a cron expression
 * in a time zone; each occurrence is a normal post. Postflow checks every field and answers with
 * what to fix.
 */

const show = (operation: string[]) => ({ show: { resource: ['recurringPost'], operation } });
/** Create's fields that depend on another choice of Create (the repeat kind, the end kind). */
const createWhen = (choice: Record<string, string[]>) => ({
	show: { resource: ['recurringPost'], operation: ['create'], ...choice },
});
const path = (context: IExecuteFunctions, i: number, suffix = '') =>
	`/v1/recurring-posts/${encodeURIComponent(context.getNodeParameter('recurringPostId', i) as string)}${suffix}`;
const one = (i: number, json: IDataObject): INodeExecutionData[] => [
	{ json, pairedItem: { item: i } },
];

/** Creates a recurring post; the same workflow, node and item never create two. */
async function createRecurring(this: IExecuteFunctions, i: number): Promise<INodeExecutionData[]> {
	const accountIds = this.getNodeParameter('accountIds', i, []) as string[];
	if (accountIds.length === 0) {
		throw new NodeOperationError(this.getNode(), `No account chosen [item ${i}]`, {
			itemIndex: i,
			description: 'Choose at least one account the posts go to.',
		});
	}
	const repeat = this.getNodeParameter('repeat', i) as string;
	const end = this.getNodeParameter('end', i) as string;
	const body: IDataObject = {
		post: { account_ids: accountIds, text: this.getNodeParameter('text', i) as string },
		...(repeat === 'interval'
			? {
					interval: {
						every: this.getNodeParameter('every', i) as number,
						unit: this.getNodeParameter('unit', i) as string,
					},
				}
			: {
					cron: this.getNodeParameter('cron', i) as string,
					time_zone: this.getNodeParameter('timeZone', i) as string,
				}),
		...(end === 'count' ? { end: { count: this.getNodeParameter('count', i) as number } } : {}),
		...(end === 'until'
			? { end: { until: toInstant(this.getNodeParameter('until', i) as string) } }
			: {}),
	};
	const answer = await postflowRequest.call(this, 'POST', '/v1/recurring-posts', {
		body,
		headers: { 'Idempotency-Key': derivedKey(this, i, body) },
		itemIndex: i,
	});
	return one(i, answer);
}

async function getRecurring(this: IExecuteFunctions, i: number): Promise<INodeExecutionData[]> {
	return one(i, await postflowRequest.call(this, 'GET', path(this, i), { itemIndex: i }));
}

async function getManyRecurring(this: IExecuteFunctions, i: number): Promise<INodeExecutionData[]> {
	const answer = await postflowRequest.call(this, 'GET', '/v1/recurring-posts', { itemIndex: i });
	return ((answer.data as IDataObject[]) ?? []).map((r) => ({ json: r, pairedItem: { item: i } }));
}

async function pauseRecurring(this: IExecuteFunctions, i: number): Promise<INodeExecutionData[]> {
	return one(
		i,
		await postflowRequest.call(this, 'POST', path(this, i, '/pause'), { itemIndex: i }),
	);
}

async function resumeRecurring(this: IExecuteFunctions, i: number): Promise<INodeExecutionData[]> {
	return one(
		i,
		await postflowRequest.call(this, 'POST', path(this, i, '/resume'), { itemIndex: i }),
	);
}

async function deleteRecurring(this: IExecuteFunctions, i: number): Promise<INodeExecutionData[]> {
	const id = this.getNodeParameter('recurringPostId', i) as string;
	await postflowRequest.call(this, 'DELETE', path(this, i), { itemIndex: i });
	return one(i, { id, deleted: true });
}

/** One item per occurrence, newest first, each with its post. */
async function getOccurrences(this: IExecuteFunctions, i: number): Promise<INodeExecutionData[]> {
	const answer = await postflowRequest.call(this, 'GET', path(this, i, '/occurrences'), {
		qs: { limit: this.getNodeParameter('limit', i, 50) as number },
		itemIndex: i,
	});
	return ((answer.data as IDataObject[]) ?? []).map((o) => ({ json: o, pairedItem: { item: i } }));
}

export const recurringOperations = {
	create: createRecurring,
	delete: deleteRecurring,
	get: getRecurring,
	getAll: getManyRecurring,
	getOccurrences,
	pause: pauseRecurring,
	resume: resumeRecurring,
};

export const recurringDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['recurringPost'] } },
		default: 'create',
		options: [
			{
				name: 'Create',
				value: 'create',
				action: 'Create a recurring post',
				description: 'A post that repeats on an interval or a cron schedule',
			},
			{
				name: 'Delete',
				value: 'delete',
				action: 'Delete a recurring post',
				description: 'Stop it for good; its posts stay',
			},
			{
				name: 'Get',
				value: 'get',
				action: 'Get a recurring post',
				description: 'Its rule, status and next occurrences',
			},
			{
				name: 'Get Many',
				value: 'getAll',
				action: 'Get many recurring posts',
				description: 'List recurring posts',
			},
			{
				name: 'Get Occurrences',
				value: 'getOccurrences',
				action: 'Get the occurrences of a recurring post',
				description: 'Each occurrence so far with its post, newest first',
			},
			{
				name: 'Pause',
				value: 'pause',
				action: 'Pause a recurring post',
				description: 'No occurrence until resumed',
			},
			{
				name: 'Resume',
				value: 'resume',
				action: 'Resume a recurring post',
				description: 'Occurrences again from the next one',
			},
		],
	},
	{
		displayName: 'Recurring Post ID',
		name: 'recurringPostId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'rec_01J…',
		displayOptions: show(['delete', 'get', 'getOccurrences', 'pause', 'resume']),
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 100 },
		default: 50,
		description: 'Max number of results to return',
		displayOptions: show(['getOccurrences']),
	},
	{
		displayName: 'Text',
		name: 'text',
		type: 'string',
		typeOptions: { rows: 4 },
		required: true,
		default: '',
		displayOptions: show(['create']),
	},
	{
		displayName: 'Account Names or IDs',
		name: 'accountIds',
		type: 'multiOptions',
		typeOptions: { loadOptionsMethod: 'getAccounts' },
		default: [],
		description:
			'The accounts each occurrence posts to. Choose from the list, or specify IDs using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
		displayOptions: show(['create']),
	},
	{
		displayName: 'Repeat',
		name: 'repeat',
		type: 'options',
		options: [
			{ name: 'Every N Units', value: 'interval' },
			{ name: 'Cron Expression', value: 'cron' },
		],
		default: 'interval',
		displayOptions: show(['create']),
	},
	{
		displayName: 'Every',
		name: 'every',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 1,
		displayOptions: createWhen({ repeat: ['interval'] }),
	},
	{
		displayName: 'Unit',
		name: 'unit',
		type: 'options',
		options: [
			{ name: 'Minutes', value: 'minutes' },
			{ name: 'Hours', value: 'hours' },
			{ name: 'Days', value: 'days' },
			{ name: 'Weeks', value: 'weeks' },
		],
		default: 'days',
		displayOptions: createWhen({ repeat: ['interval'] }),
	},
	{
		displayName: 'Cron Expression',
		name: 'cron',
		type: 'string',
		default: '0 9 * * 1-5',
		description: 'Minute hour day-of-month month day-of-week, e.g. 09:00 on weekdays',
		displayOptions: createWhen({ repeat: ['cron'] }),
	},
	{
		displayName: 'Time Zone',
		name: 'timeZone',
		type: 'string',
		default: 'UTC',
		placeholder: 'Europe/Berlin',
		description: 'IANA time zone the cron expression is read in',
		displayOptions: createWhen({ repeat: ['cron'] }),
	},
	{
		displayName: 'End',
		name: 'end',
		type: 'options',
		options: [
			{ name: 'Never', value: 'never' },
			{ name: 'After a Number of Posts', value: 'count' },
			{ name: 'At a Date', value: 'until' },
		],
		default: 'never',
		displayOptions: show(['create']),
	},
	{
		displayName: 'Number of Posts',
		name: 'count',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 10,
		displayOptions: createWhen({ end: ['count'] }),
	},
	{
		displayName: 'Until',
		name: 'until',
		type: 'dateTime',
		default: '',
		displayOptions: createWhen({ end: ['until'] }),
	},
];

/** n8n's dateTime values may lack an offset; Postflow refuses naive times, so send UTC. */
function toInstant(value: string): string {
	const time = Date.parse(value);
	return Number.isNaN(time) ? value : new Date(time).toISOString();
}

/** Stable for the same workflow, node, item and body: a re-run of the node creates nothing new. */
function derivedKey(context: IExecuteFunctions, i: number, body: IDataObject): string {
	const parts = [
		context.getWorkflow().id ?? '',
		context.getNode().name,
		String(i),
		JSON.stringify(context.getInputData()[i]?.json ?? {}),
		JSON.stringify(body),
	];
	return `n8n-rec-${createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 40)}`;
}
