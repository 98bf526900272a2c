import type {
	IExecuteFunctions,
	IDataObject,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { postflowRequest } from '../../transport';

const accountPath = (ctx: IExecuteFunctions, i: number, helper: string) =>
	`/v1/accounts/${encodeURIComponent(ctx.getNodeParameter('accountId', i) as string)}/${helper}`;

/** One output item per entry of a `{ data: [...] }` answer. */
const eachOf = (answer: IDataObject, i: number): INodeExecutionData[] =>
	((answer.data as IDataObject[]) ?? []).map((json) => ({ json, pairedItem: { item: i } }));

/** The accounts Postflow publishes to, with their status (`active` or `reconnect_required`). */
export async function getManyAccounts(
	this: IExecuteFunctions,
	i: number,
): Promise<INodeExecutionData[]> {
	return eachOf(await postflowRequest.call(this, 'GET', '/v1/accounts', { itemIndex: i }), i);
}

/**
 * Starts connecting an account through the platform's consent page: outputs the `auth_url` to
 * send the person to, and the `state` that ties their return to this connection.
 */
export async function connectAccount(
	this: IExecuteFunctions,
	i: number,
): Promise<INodeExecutionData[]> {
	const extra = this.getNodeParameter('connectOptions', i, {}) as IDataObject;
	const body: IDataObject = { platform: this.getNodeParameter('platform', i) as string };
	if (extra.redirectUri) body.redirect_uri = extra.redirectUri;
	if (extra.state) body.state = extra.state;
	if (extra.brandId) body.brand_id = extra.brandId;
	const answer = await postflowRequest.call(this, 'POST', '/v1/accounts/connect', {
		body,
		itemIndex: i,
	});
	return [{ json: answer, pairedItem: { item: i } }];
}

/** The pages (Facebook, LinkedIn) one grant of the account gives. */
export async function getAccountPages(
	this: IExecuteFunctions,
	i: number,
): Promise<INodeExecutionData[]> {
	return eachOf(
		await postflowRequest.call(this, 'GET', accountPath(this, i, 'pages'), { itemIndex: i }),
		i,
	);
}

/** A Pinterest account's boards, read from Pinterest. */
export async function getAccountBoards(
	this: IExecuteFunctions,
	i: number,
): Promise<INodeExecutionData[]> {
	return eachOf(
		await postflowRequest.call(this, 'GET', accountPath(this, i, 'boards'), { itemIndex: i }),
		i,
	);
}

/** A TikTok creator's posting settings: privacy levels, longest video, interactions turned off. */
export async function getCreatorInfo(
	this: IExecuteFunctions,
	i: number,
): Promise<INodeExecutionData[]> {
	const answer = await postflowRequest.call(this, 'GET', accountPath(this, i, 'creator-info'), {
		itemIndex: i,
	});
	return [{ json: answer, pairedItem: { item: i } }];
}

/** The account's remaining platform quota (`{}` where the platform reports none). */
export async function getAccountLimits(
	this: IExecuteFunctions,
	i: number,
): Promise<INodeExecutionData[]> {
	const answer = await postflowRequest.call(this, 'GET', accountPath(this, i, 'limits'), {
		itemIndex: i,
	});
	return [{ json: answer, pairedItem: { item: i } }];
}

export const accountOperations = {
	connect: connectAccount,
	getAll: getManyAccounts,
	getBoards: getAccountBoards,
	getCreatorInfo: getCreatorInfo,
	getLimits: getAccountLimits,
	getPages: getAccountPages,
};

const forOperations = (operation: string[]) => ({ show: { resource: ['account'], operation } });

export const accountDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['account'] } },
		default: 'getAll',
		options: [
			{
				name: 'Connect',
				value: 'connect',
				action: 'Connect an account',
				description: "Start connecting an account: outputs the platform's consent page URL",
			},
			{
				name: 'Get Boards',
				value: 'getBoards',
				action: 'Get the boards of a pinterest account',
				description: "List a Pinterest account's boards",
			},
			{
				name: 'Get Creator Info',
				value: 'getCreatorInfo',
				action: 'Get the creator info of a tik tok account',
				description: "A TikTok creator's privacy levels, longest video and interaction settings",
			},
			{
				name: 'Get Limits',
				value: 'getLimits',
				action: 'Get the limits of an account',
				description: "The account's remaining platform quota, where the platform reports one",
			},
			{
				name: 'Get Many',
				value: 'getAll',
				action: 'Get many accounts',
				description: 'List the accounts posts can target',
			},
			{
				name: 'Get Pages',
				value: 'getPages',
				action: 'Get the pages of an account',
				description: 'List the Facebook or LinkedIn pages the account can post to',
			},
		],
	},
	{
		displayName: 'Platform',
		name: 'platform',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. pinterest',
		description:
			'The platform to connect, as Postflow names it (twitter, linkedin, pinterest, reddit…)',
		displayOptions: forOperations(['connect']),
	},
	{
		displayName: 'Options',
		name: 'connectOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: forOperations(['connect']),
		options: [
			{
				displayName: 'Brand ID',
				name: 'brandId',
				type: 'string',
				default: '',
				description: 'The brand the new account joins',
			},
			{
				displayName: 'Redirect URI',
				name: 'redirectUri',
				type: 'string',
				default: '',
				description:
					'Where Postflow sends the person after the consent page; must be registered with Postflow',
			},
			{
				displayName: 'State',
				name: 'state',
				type: 'string',
				default: '',
				description: 'Your own value, handed back with the redirect',
			},
		],
	},
	{
		displayName: 'Account Name or ID',
		name: 'accountId',
		type: 'options',
		typeOptions: { loadOptionsMethod: 'getAccounts' },
		required: true,
		default: '',
		description:
			'Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>',
		displayOptions: forOperations(['getBoards', 'getCreatorInfo', 'getLimits', 'getPages']),
	},
];
