import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { postflowRequest } from '../../transport';

const showOnlyForPostGet = { operation: ['get'], resource: ['post'] };

export const postGetDescription: INodeProperties[] = [
	{
		displayName: 'Post ID',
		name: 'postId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. post_01JABCDEFGHJKMNPQRSTVWXYZ0',
		description: 'The post to read; a platform post ID works too',
		displayOptions: { show: showOnlyForPostGet },
	},
];

export async function getPost(this: IExecuteFunctions, i: number): Promise<INodeExecutionData[]> {
	const postId = this.getNodeParameter('postId', i) as string;
	const post = await postflowRequest.call(this, 'GET', `/v1/posts/${encodeURIComponent(postId)}`, {
		itemIndex: i,
	});
	return [{ json: post, pairedItem: { item: i } }];
}
