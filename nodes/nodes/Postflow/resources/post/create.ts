import { createHash } from 'node:crypto';
import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { postflowRequest } from '../../transport';
import { contentBody, contentOptions, mediaBody, mediaField } from './content-fields';
import { postToPages } from './target-pages';
import { callbackUrl, FINAL_STATUSES, waitForFinalPost } from './wait';

const showOnlyForPostCreate = { operation: ['create'], resource: ['post'] };

export const postCreateDescription: INodeProperties[] = [
	{
		displayName: 'When',
		name: 'mode',
		type: 'options',
		default: 'now',
		displayOptions: { show: showOnlyForPostCreate },
		options: [
			{
				name: 'Add to Queue',
				value: 'queue',
				description: "Take the next free time slot of the accounts' queue",
			},
			{ name: 'Publish Now', value: 'now', description: 'Publish at once' },
			{
				name: 'Save as Draft',
				value: 'draft',
				description: 'Keep it until it is published or scheduled',
			},
			{ name: 'Schedule', value: 'schedule', description: 'Publish at a given time' },
			{
				name: 'Share Next',
				value: 'queueNext',
				description: "Take the first slot of the accounts' queue; the queued posts move down one",
			},
		],
	},
	{
		displayName: 'Account Names or IDs',
		name: 'accountIds',
		type: 'multiOptions',
		typeOptions: { loadOptionsMethod: 'getAccounts' },
		default: [],
		description:
			'The accounts to publish to. Choose from the list, or specify IDs using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
		displayOptions: {
			show: { ...showOnlyForPostCreate, mode: ['now', 'schedule', 'queue', 'queueNext'] },
		},
	},
	{
		displayName: 'Text',
		name: 'text',
		type: 'string',
		typeOptions: { rows: 4 },
		required: true,
		default: '',
		placeholder: 'e.g. Our spring collection is out!',
		displayOptions: { show: showOnlyForPostCreate },
	},
	{
		displayName: 'Scheduled At',
		name: 'scheduledAt',
		type: 'dateTime',
		required: true,
		default: '',
		description: 'When to publish; Postflow holds the post durably until then',
		displayOptions: { show: { ...showOnlyForPostCreate, mode: ['schedule'] } },
	},
	mediaField(showOnlyForPostCreate),
	{
		displayName: 'Wait for Completion',
		name: 'waitForCompletion',
		type: 'boolean',
		default: false,
		description:
			'Whether to pause this execution until the post is published, partial or failed (days later for a scheduled post), then output the final post. Postflow calls the execution back; nothing polls.',
		displayOptions: {
			show: { ...showOnlyForPostCreate, mode: ['now', 'schedule', 'queue', 'queueNext'] },
		},
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show: showOnlyForPostCreate },
		options: [
			...contentOptions,
			{
				displayName: 'Approval Window (Minutes)',
				name: 'approvalWindowMinutes',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 43200 },
				default: 1440,
				description:
					'How long after its time an approval still publishes the post; then it expires. Needs Requires Approval.',
			},
			{
				displayName: 'Idempotency Key',
				name: 'idempotencyKey',
				type: 'string',
				default: '',
				description:
					'Requests with the same key make one post. Empty: a key derived from the workflow, this node, the item and the post, so re-running the same item never posts twice; set one (e.g. with the date) to post the same content again on purpose.',
			},
			{
				displayName: 'Page Names or IDs',
				name: 'pageIds',
				type: 'multiOptions',
				typeOptions: { loadOptionsMethod: 'getPages', loadOptionsDependsOn: ['accountIds'] },
				default: [],
				description:
					'For this post only, another page of the Facebook, Instagram business, LinkedIn page or Google Business Profile accounts chosen above (one per account); unset, each posts to its default page. Choose from the list, or specify IDs using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
			},
			{
				displayName: 'Pinterest Board Name or ID',
				name: 'pinterestBoardId',
				type: 'options',
				typeOptions: { loadOptionsMethod: 'getBoards', loadOptionsDependsOn: ['accountIds'] },
				default: '',
				description:
					'The board the Pinterest accounts chosen above pin to (Pinterest requires one). Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
			},
			{
				displayName: 'Recycle (Evergreen)',
				name: 'recycle',
				type: 'fixedCollection',
				default: {},
				description:
					"Once published, the post goes back into its accounts' queue after some days, a number of times (the accounts need a queue)",
				options: [
					{
						displayName: 'Evergreen',
						name: 'settings',
						values: [
							{
								displayName: 'After Days',
								name: 'afterDays',
								type: 'number',
								typeOptions: { minValue: 1, maxValue: 365 },
								default: 30,
								description:
									'Days after each publish before the post takes the next free slot again',
							},
							{
								displayName: 'Times',
								name: 'times',
								type: 'number',
								typeOptions: { minValue: 1, maxValue: 10 },
								default: 1,
								description: 'How many times the post comes back',
							},
							{
								displayName: 'Variations',
								name: 'variations',
								type: 'string',
								typeOptions: { multipleValues: true, multipleValueButtonText: 'Add Variation' },
								default: [],
								description:
									'A different text for each round, in order (required where the platform refuses the same text twice: X, LinkedIn)',
							},
						],
					},
				],
			},
			{
				displayName: 'Requires Approval',
				name: 'requiresApproval',
				type: 'boolean',
				default: false,
				description:
					"Whether a person must approve the post (Approve operation) before it goes out; unset, the accounts' brands decide",
			},
			{
				displayName: 'Target Schedules',
				name: 'targetSchedules',
				type: 'fixedCollection',
				typeOptions: { multipleValues: true },
				default: {},
				description:
					'Publish to some accounts at their own time instead of with the post (each waits in the same post)',
				options: [
					{
						displayName: 'Target',
						name: 'items',
						values: [
							{
								displayName: 'Account ID',
								name: 'accountId',
								type: 'string',
								default: '',
								description: 'One of the accounts chosen above',
							},
							{
								displayName: 'Scheduled At',
								name: 'scheduledAt',
								type: 'dateTime',
								default: '',
							},
						],
					},
				],
			},
		],
	},
];

export async function createPost(
	this: IExecuteFunctions,
	i: number,
): Promise<INodeExecutionData[]> {
	const mode = this.getNodeParameter('mode', i) as
		| 'now'
		| 'schedule'
		| 'draft'
		| 'queue'
		| 'queueNext';
	const options = this.getNodeParameter('options', i, {}) as IDataObject;
	const accountIds =
		mode === 'draft' ? [] : (this.getNodeParameter('accountIds', i, []) as string[]);
	if (mode !== 'draft' && accountIds.length === 0) {
		throw new NodeOperationError(this.getNode(), 'No account chosen [item ' + i + ']', {
			itemIndex: i,
			description:
				'Choose at least one account in "Account Names or IDs", or save the post as a draft.',
		});
	}
	const targets = accountIds.length ? targetsOf(this, i, accountIds, options) : [];
	if (options.pinterestBoardId)
		await pinToBoard(this, i, targets, String(options.pinterestBoardId));
	const pageIds = (options.pageIds as string[] | undefined) ?? [];
	if (pageIds.length && targets.length) await postToPages(this, i, targets, pageIds);
	const body: IDataObject = {
		text: this.getNodeParameter('text', i) as string,
		...(targets.length ? { targets } : {}),
		...(mode === 'now' ? { publish_now: true } : {}),
		// The queue's slot becomes the post's time (docs/api.md "Queues with time slots").
		...(mode === 'queue' ? { queue: true } : {}),
		...(mode === 'queueNext' ? { queue: 'next' } : {}),
		...(mode === 'schedule'
			? { scheduled_at: toInstant(this.getNodeParameter('scheduledAt', i) as string) }
			: {}),
		media: mediaBody(this.getNodeParameter('media', i, {}) as IDataObject),
		...contentBody(options),
		...(options.requiresApproval !== undefined
			? { requires_approval: options.requiresApproval as boolean }
			: {}),
		...(options.approvalWindowMinutes !== undefined
			? { approval_window_minutes: options.approvalWindowMinutes as number }
			: {}),
		...recycleBody(options.recycle as IDataObject | undefined),
	};
	const wait =
		mode !== 'draft' && (this.getNodeParameter('waitForCompletion', i, false) as boolean);
	const key = (options.idempotencyKey as string) || derivedKey(this, i, body);
	const callback = wait ? callbackUrl(this, i) : undefined;
	if (callback) body.callback_url = callback.url;

	const post = await postflowRequest.call(this, 'POST', '/v1/posts', {
		body,
		headers: { 'Idempotency-Key': key },
		itemIndex: i,
		postOnAllFailed: true,
	});
	if (callback && !FINAL_STATUSES.includes(String(post.status))) {
		return waitForFinalPost(this, i, post, callback.token);
	}
	return [{ json: post, pairedItem: { item: i } }];
}

/** The chosen accounts as targets, each with its own instant where Target Schedules gives one. */
function targetsOf(
	ctx: IExecuteFunctions,
	i: number,
	accountIds: string[],
	options: IDataObject,
): IDataObject[] {
	const schedules = ((options.targetSchedules as IDataObject | undefined)?.items ??
		[]) as IDataObject[];
	for (const { accountId } of schedules) {
		if (!accountIds.includes(String(accountId))) {
			throw new NodeOperationError(
				ctx.getNode(),
				`Target Schedules names account "${String(accountId)}" [item ${i}]`,
				{
					itemIndex: i,
					description: 'Each account in Target Schedules must be one of the accounts chosen above.',
				},
			);
		}
	}
	return accountIds.map((accountId) => {
		const own = schedules.find((s) => s.accountId === accountId);
		return own?.scheduledAt
			? { account_id: accountId, scheduled_at: toInstant(String(own.scheduledAt)) }
			: { account_id: accountId };
	});
}

/**
 * Gives the Pinterest targets the chosen board (`board_id` on the target, as the API takes it).
 * Which targets are Pinterest's comes from the accounts list: the node knows only their ids.
 */
async function pinToBoard(
	ctx: IExecuteFunctions,
	i: number,
	targets: IDataObject[],
	boardId: string,
): Promise<void> {
	const answer = await postflowRequest.call(ctx, 'GET', '/v1/accounts', { itemIndex: i });
	const pinterest = new Set(
		((answer.data as IDataObject[]) ?? [])
			.filter((a) => a.platform === 'pinterest')
			.map((a) => String(a.id)),
	);
	for (const target of targets) {
		if (pinterest.has(String(target.account_id))) target.board_id = boardId;
	}
}

/** n8n's dateTime values may lack an offset; Postflow refuses naive times, so send UTC. */
function toInstant(value: string): string {
	const time = Date.parse(value);
	return Number.isNaN(time) ? value : new Date(time).toISOString();
}

/** Stable for the same workflow, node, item and post; different when any of them changes. */
function derivedKey(context: IExecuteFunctions, i: number, body: IDataObject): string {
	const parts = [
		context.getWorkflow().id ?? '',
		context.getNode().name,
		String(i),
		JSON.stringify(context.getInputData()[i]?.json ?? {}),
		JSON.stringify(body),
	];
	return `n8n-${createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 40)}`;
}

/** The Recycle option as the API's `recycle` (docs/api.md "Evergreen posts"); none when unset. */
function recycleBody(recycle: IDataObject | undefined): IDataObject {
	const settings = recycle?.settings as IDataObject | undefined;
	if (!settings) return {};
	const variations = ((settings.variations as string[] | undefined) ?? []).filter((v) => v.trim());
	return {
		recycle: {
			after_days: settings.afterDays as number,
			times: settings.times as number,
			...(variations.length ? { variations } : {}),
		},
	};
}
