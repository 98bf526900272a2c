import type {
	IExecuteFunctions,
	IDataObject,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
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
 * Connects an account (`POST /v1/accounts/connect`). An OAuth platform answers the `auth_url` to
 * send the person to, and the `state` that ties their return to this connection; a credential
 * platform (Bluesky app password, Mastodon token…) has its credentials checked by the platform
 * and answers the connected account.
 */
export async function connectAccount(
	this: IExecuteFunctions,
	i: number,
): Promise<INodeExecutionData[]> {
	const extra = this.getNodeParameter('connectOptions', i, {}) as IDataObject;
	const body: IDataObject = { platform: this.getNodeParameter('platform', i) as string };
	if (this.getNodeParameter('connectWith', i, 'oauth') === 'credentials') {
		body.credentials = credentialsOf(
			this,
			i,
			this.getNodeParameter('credentialFields', i, {}) as IDataObject,
		);
		if (extra.name) body.name = extra.name;
	} else {
		if (extra.redirectUri) body.redirect_uri = extra.redirectUri;
		if (extra.state) body.state = extra.state;
	}
	if (extra.brandId) body.brand_id = extra.brandId;
	const metadata = jsonObjectOf(this, i, extra.metadata);
	if (metadata) body.metadata = metadata;
	const answer = await postflowRequest.call(this, 'POST', '/v1/accounts/connect', {
		body,
		itemIndex: i,
	});
	return [{ json: answer, pairedItem: { item: i } }];
}

/** The Credentials pairs as the API's `credentials` object; none is refused before any request. */
function credentialsOf(ctx: IExecuteFunctions, i: number, value: IDataObject): IDataObject {
	const pairs = ((value.pairs as IDataObject[] | undefined) ?? []).filter((p) =>
		String(p.key ?? '').trim(),
	);
	if (!pairs.length) {
		throw new NodeOperationError(ctx.getNode(), `No credentials given [item ${i}]`, {
			itemIndex: i,
			description:
				'Add the keys the platform takes, e.g. identifier and app_password for Bluesky, instance_url and access_token for Mastodon.',
		});
	}
	return Object.fromEntries(pairs.map((p) => [String(p.key).trim(), String(p.value ?? '')]));
}

/** The Metadata option (JSON text or an object from an expression); undefined when empty. */
function jsonObjectOf(ctx: IExecuteFunctions, i: number, value: unknown): IDataObject | undefined {
	if (value === undefined || value === '') return undefined;
	let parsed: unknown = value;
	if (typeof value === 'string') {
		try {
			parsed = JSON.parse(value);
		} catch {
			parsed = undefined;
		}
	}
	if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
		throw new NodeOperationError(ctx.getNode(), `Metadata is not a JSON object [item ${i}]`, {
			itemIndex: i,
			description: 'Give a JSON object, e.g. {"team": "blue"}.',
		});
	}
	return Object.keys(parsed).length ? (parsed as IDataObject) : undefined;
}

/** The pages (Facebook, Instagram business, LinkedIn, Google Business Profile locations) one grant of the account gives. */
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
				description:
					"Connect an account: outputs the platform's consent page URL, or the account connected with its credentials",
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
				description:
					'List the Facebook pages, Instagram business accounts, LinkedIn pages or Google Business Profile locations the account can post to',
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
			'The platform to connect, as Postflow names it (twitter, linkedin, pinterest, reddit, bluesky, mastodon…)',
		displayOptions: forOperations(['connect']),
	},
	{
		displayName: 'Connect With',
		name: 'connectWith',
		type: 'options',
		noDataExpression: true,
		default: 'oauth',
		displayOptions: forOperations(['connect']),
		options: [
			{
				name: 'Consent Page (OAuth)',
				value: 'oauth',
				description:
					"The person approves on the platform's page: X, LinkedIn, Facebook, Pinterest, YouTube, TikTok…",
			},
			{
				name: 'Credentials',
				value: 'credentials',
				description:
					"The platform's own credentials, checked with the platform: Bluesky, Mastodon, Telegram, WordPress, Discord, Nostr…",
			},
		],
	},
	{
		displayName: 'Credentials',
		name: 'credentialFields',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		required: true,
		default: {},
		placeholder: 'Add Credential',
		description:
			'The keys the platform takes, e.g. identifier and app_password (Bluesky), instance_url and access_token (Mastodon), bot_token and chat_id (Telegram)',
		displayOptions: {
			show: { resource: ['account'], operation: ['connect'], connectWith: ['credentials'] },
		},
		options: [
			{
				displayName: 'Credential',
				name: 'pairs',
				values: [
					{
						displayName: 'Key',
						name: 'key',
						type: 'string',
						default: '',
						placeholder: 'e.g. app_password',
					},
					{
						displayName: 'Value',
						name: 'value',
						type: 'string',
						typeOptions: { password: true },
						default: '',
					},
				],
			},
		],
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
				displayName: 'Metadata (JSON)',
				name: 'metadata',
				type: 'json',
				default: '{}',
				description: 'Your own data, handed back with the connected account',
			},
			{
				displayName: 'Name',
				name: 'name',
				type: 'string',
				default: '',
				description:
					"The account's name (Credentials only; unset, the platform's username). OAuth accounts take the profile's.",
			},
			{
				displayName: 'Redirect URI',
				name: 'redirectUri',
				type: 'string',
				default: '',
				description:
					'Where Postflow sends the person after the consent page; must be registered with Postflow (Consent Page only)',
			},
			{
				displayName: 'State',
				name: 'state',
				type: 'string',
				default: '',
				description: 'Your own value, handed back with the redirect (Consent Page only)',
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
