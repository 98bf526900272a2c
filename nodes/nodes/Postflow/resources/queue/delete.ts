import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { postflowRequest } from '../../transport';

/** Deletes a queue (`DELETE /v1/queues/{id}`); its posts stay scheduled at their instants. */
export async function deleteQueue(
	this: IExecuteFunctions,
	i: number,
): Promise<INodeExecutionData[]> {
	const id = this.getNodeParameter('queueId', i) as string;
	await postflowRequest.call(this, 'DELETE', `/v1/queues/${encodeURIComponent(id)}`, {
		itemIndex: i,
	});
	return [{ json: { id, deleted: true }, pairedItem: { item: i } }];
}
