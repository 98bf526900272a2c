import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { postflowRequest } from '../../transport';

/**
 * Each target's latest collected metrics (`GET /v1/posts/{id}/metrics`): collected after
 * publishing on a schedule, so `metrics_synced_at` says how fresh they are; `metrics` is null
 * until the first pass, and for good where `metrics_supported` is false.
 */
export async function getPostMetrics(this: IExecuteFunctions, i: number): Promise<INodeExecutionData[]> {
	const postId = this.getNodeParameter('postId', i) as string;
	const metrics = await postflowRequest.call(
		this,
		'GET',
		`/v1/posts/${encodeURIComponent(postId)}/metrics`,
		{ itemIndex: i },
	);
	return [{ json: metrics, pairedItem: { item: i } }];
}
