import { createHmac, timingSafeEqual } from 'node:crypto';
import type {
	IDataObject,
	IHookFunctions,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError, NodeConnectionTypes } from 'n8n-workflow';
import { postflowRequest } from '../Postflow/transport';

/** How old a signed delivery may be (its X-SocialAPI-Timestamp) before it is refused as a replay. */
const MAX_AGE_SECONDS = 5 * 60;

interface WebhookState {
	webhookId?: string;
	secret?: string;
}

export class PostflowTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Postflow Trigger',
		name: 'postflowTrigger',
		icon: { light: 'file:postflow.svg', dark: 'file:postflow.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["events"].join(", ")}}',
		description: 'Starts the workflow when a Postflow post is published, fails, or changes',
		defaults: { name: 'Postflow Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'postflowApi', required: true }],
		webhooks: [
			{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'webhook' },
		],
		properties: [
			{
				displayName: 'Events',
				name: 'events',
				type: 'multiOptions',
				required: true,
				default: ['post.published', 'post.partial', 'post.failed'],
				options: [
					{
						name: 'Post Approval Requested',
						value: 'post.approval_requested',
						description:
							'A post needs approval before it goes out: approve or reject it (e.g. from Slack or e-mail)',
					},
					{
						name: 'Post Approved',
						value: 'post.approved',
						description: 'A post pending approval was approved',
					},
					{
						name: 'Post Deleted',
						value: 'post.deleted',
						description: 'A draft or scheduled post was cancelled',
					},
					{
						name: 'Post Expired',
						value: 'post.expired',
						description: 'A post was not approved in time; it will not be published',
					},
					{
						name: 'Post Failed',
						value: 'post.failed',
						description: 'Every account of a post failed',
					},
					{
						name: 'Post Metrics Updated',
						value: 'post.metrics_updated',
						description: "A pass of a published post's metrics collection stored new numbers",
					},
					{
						name: 'Post Partial',
						value: 'post.partial',
						description: 'Some accounts of a post were published, some failed',
					},
					{
						name: 'Post Published',
						value: 'post.published',
						description: 'Every account of a post was published',
					},
					{
						name: 'Post Rejected',
						value: 'post.rejected',
						description: 'A post pending approval was rejected (with the reason)',
					},
					{
						name: 'Post Retried',
						value: 'post.retried',
						description: 'The failed accounts of a post are being retried',
					},
					{ name: 'Post Scheduled', value: 'post.scheduled', description: 'A post was scheduled' },
					{
						name: 'Post Updated',
						value: 'post.updated',
						description: 'A draft or scheduled post was edited or rescheduled',
					},
				],
			},
		],
	};

	webhookMethods = {
		default: {
			/** Whether the endpoint this workflow registered still exists, for this URL. */
			async checkExists(this: IHookFunctions): Promise<boolean> {
				const state = this.getWorkflowStaticData('node') as WebhookState;
				if (!state.webhookId) return false;
				try {
					const endpoint = await postflowRequest.call(
						this,
						'GET',
						`/v1/webhooks/${state.webhookId}`,
					);
					const events = [...(this.getNodeParameter('events') as string[])].sort().join();
					const registered = [...((endpoint.events as string[]) ?? [])].sort().join();
					// A changed event list needs a new registration (create() runs when this is false).
					return endpoint.url === this.getNodeWebhookUrl('default') && events === registered;
				} catch (error) {
					if (error instanceof NodeApiError && error.httpCode === '404') {
						delete state.webhookId;
						delete state.secret;
						return false;
					}
					throw new NodeApiError(this.getNode(), error as JsonObject);
				}
			},

			/** Registers this workflow's URL with Postflow; keeps the signing secret to verify deliveries. */
			async create(this: IHookFunctions): Promise<boolean> {
				const state = this.getWorkflowStaticData('node') as WebhookState;
				const endpoint = await postflowRequest.call(this, 'POST', '/v1/webhooks', {
					body: {
						url: this.getNodeWebhookUrl('default'),
						events: this.getNodeParameter('events') as string[],
					},
				});
				state.webhookId = String(endpoint.id);
				state.secret = String(endpoint.secret);
				return true;
			},

			/** Removes the endpoint when the workflow is deactivated. */
			async delete(this: IHookFunctions): Promise<boolean> {
				const state = this.getWorkflowStaticData('node') as WebhookState;
				if (state.webhookId) {
					try {
						await postflowRequest.call(this, 'DELETE', `/v1/webhooks/${state.webhookId}`);
					} catch (error) {
						// Already gone on Postflow's side: nothing left to remove.
						if (!(error instanceof NodeApiError && error.httpCode === '404')) {
							throw new NodeApiError(this.getNode(), error as JsonObject);
						}
					}
				}
				delete state.webhookId;
				delete state.secret;
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const body = this.getBodyData() as { event?: string; data?: IDataObject };
		// Registration pings the URL before the secret is known here; it starts no workflow.
		if (body.event === 'webhook.test') return { webhookResponse: { received: true } };

		const state = this.getWorkflowStaticData('node') as WebhookState;
		const request = this.getRequestObject() as unknown as { rawBody?: Buffer };
		const raw = request.rawBody ? request.rawBody.toString('utf8') : JSON.stringify(body);
		if (!state.secret || !validSignature(this.getHeaderData() as IDataObject, raw, state.secret)) {
			this.getResponseObject().status(401).json({ error: 'invalid signature' });
			return { noWebhookResponse: true };
		}
		return {
			webhookResponse: { received: true },
			workflowData: [this.helpers.returnJsonArray([{ event: body.event, ...(body.data ?? {}) }])],
		};
	}
}

/**
 * Checks X-SocialAPI-Signature-V2, which signs the timestamp with the body, so a captured delivery
 * cannot be replayed later. (Postflow also sends the untimed v1 header; it is not accepted here.)
 */
function validSignature(headers: IDataObject, raw: string, secret: string): boolean {
	const sign = (data: string) =>
		`sha256=${createHmac('sha256', secret).update(data).digest('hex')}`;
	const same = (a: string, b: string) =>
		a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
	const v2 = headers['x-socialapi-signature-v2'];
	const timestamp = Number(headers['x-socialapi-timestamp']);
	if (typeof v2 !== 'string' || !Number.isFinite(timestamp)) return false;
	return (
		Math.abs(Date.now() / 1000 - timestamp) <= MAX_AGE_SECONDS &&
		same(v2, sign(`${timestamp}.${raw}`))
	);
}
