import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { postflowRequest } from '../../transport';

export const postGetImportDescription: INodeProperties[] = [
	{
		displayName: 'Import ID',
		name: 'importId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. imp_01JABCDEFGHJKMNPQRSTVWXYZ0',
		description: "The import to follow: the ID in Import's output",
		displayOptions: { show: { operation: ['getImport'], resource: ['post'] } },
	},
];

/**
 * An import's progress (`GET /v1/posts/imports/{id}`): counts, and each row's status (pending,
 * created, duplicate, failed) with its post and problems; `status` is `done` once every valid
 * row's post is started.
 */
export async function getImport(this: IExecuteFunctions, i: number): Promise<INodeExecutionData[]> {
	const id = encodeURIComponent(this.getNodeParameter('importId', i) as string);
	const report = await postflowRequest.call(this, 'GET', `/v1/posts/imports/${id}`, {
		itemIndex: i,
	});
	return [{ json: report, pairedItem: { item: i } }];
}
