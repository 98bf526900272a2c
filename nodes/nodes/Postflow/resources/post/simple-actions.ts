import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { postflowRequest } from '../../transport';

/**
 * Cancel, Publish Now, Retry Failed and Approve take only the post (the shared Post ID field);
 * Reject takes its reason too.
 */

const path = (i: number, context: IExecuteFunctions, suffix = '') =>
	`/v1/posts/${encodeURIComponent(context.getNodeParameter('postId', i) as string)}${suffix}`;

/** Cancels a scheduled or draft post; a published one is deleted from its platforms. */
export async function cancelPost(
	this: IExecuteFunctions,
	i: number,
): Promise<INodeExecutionData[]> {
	const answer = await postflowRequest.call(this, 'DELETE', path(i, this), { itemIndex: i });
	return [{ json: answer, pairedItem: { item: i } }];
}

/** Publishes a draft or scheduled post now; answers the post (published, partial or failed). */
export async function publishPostNow(
	this: IExecuteFunctions,
	i: number,
): Promise<INodeExecutionData[]> {
	const post = await postflowRequest.call(this, 'POST', path(i, this, '/publish'), {
		itemIndex: i,
		postOnAllFailed: true,
	});
	return [{ json: post, pairedItem: { item: i } }];
}

/** Re-runs the failed targets of a partial or failed post. */
export async function retryPost(this: IExecuteFunctions, i: number): Promise<INodeExecutionData[]> {
	const answer = await postflowRequest.call(this, 'POST', path(i, this, '/retry'), {
		itemIndex: i,
	});
	return [{ json: (answer.post as IDataObject | undefined) ?? answer, pairedItem: { item: i } }];
}

/** Approves a post pending approval: it goes out at its instant, or at once when that passed. */
export async function approvePost(
	this: IExecuteFunctions,
	i: number,
): Promise<INodeExecutionData[]> {
	const post = await postflowRequest.call(this, 'POST', path(i, this, '/approve'), {
		itemIndex: i,
	});
	return [{ json: post, pairedItem: { item: i } }];
}

/** Rejects a post pending approval, with the reason the post keeps; it will not be published. */
export async function rejectPost(
	this: IExecuteFunctions,
	i: number,
): Promise<INodeExecutionData[]> {
	const reason = this.getNodeParameter('reason', i) as string;
	const post = await postflowRequest.call(this, 'POST', path(i, this, '/reject'), {
		itemIndex: i,
		body: { reason },
	});
	return [{ json: post, pairedItem: { item: i } }];
}
