import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { postflowRequest } from '../../transport';

export async function getPost(this: IExecuteFunctions, i: number): Promise<INodeExecutionData[]> {
	const postId = this.getNodeParameter('postId', i) as string;
	const post = await postflowRequest.call(this, 'GET', `/v1/posts/${encodeURIComponent(postId)}`, {
		itemIndex: i,
	});
	return [{ json: post, pairedItem: { item: i } }];
}
