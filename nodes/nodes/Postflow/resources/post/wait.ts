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

/** Statuses after which a post changes no more (unless someone retries it). */
export const FINAL_STATUSES = ['published', 'partial', 'failed', 'cancelled'];

/**
 * Pauses the execution until Postflow calls its resume URL with the post's final event (the
 * create request carried it as `callback_url`). n8n keeps the execution in its database, so a
 * post scheduled days ahead waits without a process or a poll.
 */
export async function waitForFinalPost(
	context: IExecuteFunctions,
	i: number,
	post: IDataObject,
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
	await context.putExecutionToWait(WAIT_INDEFINITELY);
	return [{ json: post, pairedItem: { item: i } }];
}

/**
 * Postflow's callback resumes the execution: the node's output becomes the final post, read
 * fresh from the API (the event itself carries only a summary).
 */
export async function resumeWithFinalPost(this: IWebhookFunctions): Promise<IWebhookResponseData> {
	const event = this.getBodyData() as { event?: string; data?: { post_id?: string } };
	// Postflow adds the post's id to the callback URL it was given; trust that over the body.
	const postId = String((this.getQueryData() as IDataObject).post_id ?? '') || event.data?.post_id;
	if (!postId || !String(event.event ?? '').startsWith('post.')) {
		return { webhookResponse: { received: false }, noWebhookResponse: false };
	}
	const post = await postflowRequest.call(this, 'GET', `/v1/posts/${encodeURIComponent(postId)}`);
	return { webhookResponse: { received: true }, workflowData: [[{ json: post }]] };
}
