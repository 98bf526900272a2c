import type {
	IExecuteFunctions,
	ILoadOptionsFunctions,
	INodeExecutionData,
	INodePropertyOptions,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError, NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';
import { accountDescription, accountOperations } from './resources/account';
import { mediaDescription, mediaOperations } from './resources/media';
import { postDescription, postOperations } from './resources/post';
import { queueDescription, queueOperations } from './resources/queue';
import { recurringDescription, recurringOperations } from './resources/recurring';
import {
	PAGE_PLATFORMS,
	pageAccounts,
	pageOptionValue,
	pagesOf,
} from './resources/post/target-pages';
import { resumeWebhooks, resumeWithFinalPost } from './resources/post/wait';
import { postflowRequest } from './transport';

type Operation = (this: IExecuteFunctions, itemIndex: number) => Promise<INodeExecutionData[]>;

const operations: Record<string, Record<string, Operation>> = {
	account: accountOperations,
	queue: queueOperations,
	media: mediaOperations,
	post: postOperations,
	recurringPost: recurringOperations,
};

export class Postflow implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Postflow',
		name: 'postflow',
		icon: { light: 'file:postflow.svg', dark: 'file:postflow.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description: 'Publish and schedule social posts durably, exactly once, with Postflow',
		defaults: { name: 'Postflow' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'postflowApi', required: true }],
		webhooks: resumeWebhooks,
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Account', value: 'account' },
					{ name: 'Media', value: 'media' },
					{ name: 'Post', value: 'post' },
					{ name: 'Queue', value: 'queue' },
					{ name: 'Recurring Post', value: 'recurringPost' },
				],
				default: 'post',
			},
			...postDescription,
			...mediaDescription,
			...accountDescription,
			...queueDescription,
			...recurringDescription,
		],
	};

	methods = {
		loadOptions: {
			/**
			 * The accounts of the key's user, for the account picker. An account with pages names the
			 * page it posts to by default; a Pinterest account says it needs a board.
			 */
			async getAccounts(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
				const answer = await postflowRequest.call(this, 'GET', '/v1/accounts');
				const accounts =
					(answer.data as Array<{
						id: string;
						name: string;
						platform: string;
						status: string;
						page_name?: string | null;
					}>) ?? [];
				return accounts.map((a) => {
					const name = `${a.name} (${a.platform}${a.status === 'active' ? '' : `, ${a.status}`})`;
					if (PAGE_PLATFORMS.includes(a.platform) && a.page_name) {
						return {
							name: `${name} — ${a.page_name}`,
							value: a.id,
							description: `Posts to ${a.page_name} (its default page); Create's Pages option picks another for one post`,
						};
					}
					if (a.platform === 'pinterest') {
						return {
							name: `${name} — needs a board`,
							value: a.id,
							description: "Choose the board in Create's Pinterest Board option",
						};
					}
					return { name, value: a.id };
				});
			},
			/** The pages of the chosen accounts that have pages, for Create's Pages option. */
			async getPages(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
				const chosen = (this.getCurrentNodeParameter('accountIds') as string[] | undefined) ?? [];
				const options: INodePropertyOptions[] = [];
				for (const account of await pageAccounts(this, chosen)) {
					for (const page of await pagesOf(this, account.id)) {
						options.push({
							name: `${page.name} (${account.name}${page.is_default ? ', default' : ''})`,
							value: pageOptionValue(account.id, page.id),
						});
					}
				}
				return options;
			},
			/** The boards of the Pinterest accounts chosen for the post, for its board field. */
			async getBoards(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
				const chosen = (this.getCurrentNodeParameter('accountIds') as string[] | undefined) ?? [];
				const answer = await postflowRequest.call(this, 'GET', '/v1/accounts');
				const accounts =
					(answer.data as Array<{ id: string; name: string; platform: string }>) ?? [];
				const options: INodePropertyOptions[] = [];
				for (const account of accounts) {
					if (account.platform !== 'pinterest' || !chosen.includes(account.id)) continue;
					const boards = await postflowRequest.call(
						this,
						'GET',
						`/v1/accounts/${encodeURIComponent(account.id)}/boards`,
					);
					for (const board of (boards.data as Array<{ board_id: string; name: string }>) ?? []) {
						options.push({ name: `${board.name} (${account.name})`, value: board.board_id });
					}
				}
				return options;
			},
		},
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const output: INodeExecutionData[] = [];
		for (let i = 0; i < items.length; i++) {
			const resource = this.getNodeParameter('resource', i) as string;
			const operation = this.getNodeParameter('operation', i) as string;
			try {
				const run = operations[resource]?.[operation];
				if (!run) {
					throw new NodeOperationError(
						this.getNode(),
						`The operation "${operation}" is not supported for ${resource}`,
						{
							itemIndex: i,
						},
					);
				}
				output.push(...(await run.call(this, i)));
			} catch (error) {
				if (this.continueOnFail()) {
					output.push({ json: { error: (error as Error).message }, pairedItem: { item: i } });
					continue;
				}
				// Postflow's refusals are already NodeApiErrors (the constructor hands them back unchanged).
				throw error instanceof NodeApiError
					? new NodeApiError(this.getNode(), error as unknown as JsonObject)
					: new NodeOperationError(this.getNode(), error as Error, { itemIndex: i });
			}
		}
		return [output];
	}

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return resumeWithFinalPost.call(this);
	}
}
