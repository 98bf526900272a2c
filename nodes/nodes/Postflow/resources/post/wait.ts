import { randomBytes, timingSafeEqual } from 'node:crypto';
import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	IWebhookDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeOperationError, WAIT_INDEFINITELY } from 'n8n-workflow';
import { postflowRequest } from '../../transport';

/**
 * "Wait for Completion" resumes through this webhook: the execution's resume URL, addressed to
 * the node, which Postflow calls when the post is final. It registers nothing with Postflow (the
 * create request carries the URL), so it has no lifecycle methods.
 */
export const resumeWebhooks: IWebhookDescription[] = [
	{
		name: 'default',
		httpMethod: 'POST',
		responseMode: 'onReceived',
		path: '={{ $nodeId }}',
		restartWebhook: true,
		isFullPath: true,
	},
];

/** Statuses after which a post changes no more (unless someone retries it): the API's "settled". */
export const FINAL_STATUSES = [
	'published',
	'partial',
	'failed',
	'cancelled',
	'rejected',
	'expired',
];

/**
 * The events Postflow sends a post's `callback_url` (the API's FINAL_POST_EVENTS; `post.deleted`
 * is a cancelled post; `post.rejected` and `post.expired` a post never approved). The package has
 * no dependencies, so the list is repeated here.
 */
const FINAL_EVENTS = [
	'post.published',
	'post.partial',
	'post.failed',
	'post.deleted',
	'post.rejected',
	'post.expired',
];

/** The query parameter of the callback URL that carries the execution's token. */
export const TOKEN_PARAM = 'postflow_token';

/** The execution's custom data key holding what a callback must match: `{ token, post_id }`. */
export const CALLBACK_DATA_KEY = 'postflow_callback';

interface CallbackData {
	token: string;
	post_id?: string;
}

/**
 * The callback URL for a post this execution waits for: the execution's resume URL, addressed
 * to this node, with a random token only this execution knows.
 *
 * n8n 2.8's resume URL is guessable (execution ids count up) and it checks nothing on it for a
 * node like this one, so the node checks the token itself (current n8n adds a resume token of
 * its own, `signature`; the node's check holds on every version). The token travels in the URL, not as
 * Postflow's webhook signature: the signing secret of a callback endpoint never leaves Postflow,
 * and a URL is what the create request can carry. The token is kept in the execution's custom
 * data because that is the one per-execution store both execute() and webhook() can reach in
 * n8n 2.x: it is saved with the waiting execution (also for manual runs), unlike workflow static
 * data (shared by every execution, not saved for manual runs) or the node context (not readable
 * from webhook()). An HMAC keyed with the credential's API key would need no store, but rotating
 * that key would strand every waiting execution.
 */
export function callbackUrl(context: IExecuteFunctions, i: number): { url: string; token: string } {
	const token = randomBytes(32).toString('hex');
	// Kept before the post exists, so a full custom data store refuses the item before it posts.
	keepCallbackData(context, i, { token });
	const url = new URL(context.evaluateExpression('{{ $execution.resumeUrl }}', i) as string);
	url.pathname = `${url.pathname.replace(/\/$/, '')}/${context.getNode().id}`;
	url.searchParams.set(TOKEN_PARAM, token);
	return { url: url.toString(), token };
}

/**
 * Pauses the execution until Postflow calls its callback URL with the post's final event. n8n
 * keeps the execution in its database, so a post scheduled days ahead waits without a process or
 * a poll.
 */
export async function waitForFinalPost(
	context: IExecuteFunctions,
	i: number,
	post: IDataObject,
	token: string,
): Promise<INodeExecutionData[]> {
	if (context.getInputData().length > 1) {
		throw new NodeOperationError(
			context.getNode(),
			'Wait for Completion handles one item per execution [item ' + i + ']',
			{
				itemIndex: i,
				description:
					'Put a Loop Over Items node (batch size 1) before this node, or turn Wait for Completion off.',
			},
		);
	}
	keepCallbackData(context, i, { token, post_id: String(post.id) });
	await context.putExecutionToWait(WAIT_INDEFINITELY);
	return [{ json: post, pairedItem: { item: i } }];
}

/**
 * Resumes the execution only for Postflow's callback about this execution's post once it is
 * final; the node's output becomes the post, read fresh from the API (the event is a summary).
 * Anything else is answered without resuming, so the execution keeps waiting.
 */
export async function resumeWithFinalPost(this: IWebhookFunctions): Promise<IWebhookResponseData> {
	const expected = callbackDataOf(this);
	const query = this.getQueryData() as IDataObject;
	if (!expected || !sameToken(query[TOKEN_PARAM], expected.token)) {
		return refuse(this, 401, 'This URL resumes one execution; the token does not match it.');
	}
	const event = this.getBodyData() as { event?: unknown; data?: { post_id?: unknown } };
	// Postflow adds the post's id to the URL and to the event: both must name this execution's post.
	const named = [query.post_id, event.data?.post_id].filter((id) => id !== undefined);
	if (!expected.post_id || !named.length || named.some((id) => id !== expected.post_id)) {
		return refuse(this, 409, `This execution waits for post ${expected.post_id ?? '(none)'}.`);
	}
	if (!FINAL_EVENTS.includes(String(event.event))) {
		return keepWaiting(`${String(event.event)} is not a final event.`);
	}
	const post = await postflowRequest.call(
		this,
		'GET',
		`/v1/posts/${encodeURIComponent(expected.post_id)}`,
	);
	// A late event for a post retried since: the retry's own final event resumes the execution.
	if (!FINAL_STATUSES.includes(String(post.status))) {
		return keepWaiting(`Post ${expected.post_id} is ${String(post.status)}, not final.`);
	}
	return { webhookResponse: { received: true, resumed: true }, workflowData: [[{ json: post }]] };
}

/** Saves the callback data; refuses the item when n8n did not keep it (its 10-entry limit). */
function keepCallbackData(context: IExecuteFunctions, i: number, data: CallbackData): void {
	const value = JSON.stringify(data);
	const customData = executionCustomData(context) ?? proxiedCustomData(context, i);
	customData?.set(CALLBACK_DATA_KEY, value);
	if (customData?.get(CALLBACK_DATA_KEY) !== value) {
		throw new NodeOperationError(
			context.getNode(),
			`Wait for Completion could not keep its callback token in the execution's custom data [item ${i}]`,
			{
				itemIndex: i,
				description:
					'n8n keeps at most 10 custom data entries per execution. Set fewer before this node (Execution Data node or $execution.customData), or turn Wait for Completion off.',
			},
		);
	}
}

/** The callback data the waiting execution saved, or undefined when there is none. */
function callbackDataOf(context: IWebhookFunctions): CallbackData | undefined {
	try {
		const own = executionCustomData(context);
		const saved = own
			? own.get(CALLBACK_DATA_KEY)
			: context.evaluateExpression(`{{ $execution.customData.get("${CALLBACK_DATA_KEY}") }}`);
		const data = typeof saved === 'string' ? (JSON.parse(saved) as Partial<CallbackData>) : {};
		return typeof data.token === 'string' && data.token ? (data as CallbackData) : undefined;
	} catch {
		return undefined;
	}
}

interface CustomData {
	set(key: string, value: string): void;
	get(key: string): unknown;
}

/**
 * The execution's custom data as the context offers it on current n8n (`this.customData`). Older
 * n8n (2.8) has no such accessor: there the node reaches it through `$execution`, which current
 * n8n's default expression engine (isolated-vm) no longer bridges for method calls.
 */
function executionCustomData(
	context: IExecuteFunctions | IWebhookFunctions,
): CustomData | undefined {
	const own = (context as { customData?: CustomData }).customData;
	return own && typeof own.get === 'function' ? own : undefined;
}

/** `$execution.customData` from the workflow data proxy: how n8n 2.8 offers it to execute(). */
function proxiedCustomData(context: IExecuteFunctions, i: number): CustomData | undefined {
	return (context.getWorkflowDataProxy(i).$execution as IDataObject | undefined)?.customData as
		| CustomData
		| undefined;
}

function sameToken(given: unknown, token: string): boolean {
	return (
		typeof given === 'string' &&
		given.length === token.length &&
		timingSafeEqual(Buffer.from(given), Buffer.from(token))
	);
}

/** Answers with an error status and does not resume. */
function refuse(context: IWebhookFunctions, status: number, message: string): IWebhookResponseData {
	context.getResponseObject().status(status).json({ received: false, error: message });
	return { noWebhookResponse: true };
}

/** Accepts the call (Postflow need not retry it) without resuming: no workflowData. */
function keepWaiting(reason: string): IWebhookResponseData {
	return { webhookResponse: { received: true, resumed: false, reason } };
}
