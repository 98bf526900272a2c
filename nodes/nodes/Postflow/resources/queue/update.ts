import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { postflowRequest } from '../../transport';
import { slotsBody, slotsField, timeZoneField } from './slot-fields';

export const queueUpdateDescription: INodeProperties[] = [
	{
		displayName: 'Update Fields',
		name: 'queueUpdateFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		description:
			'Nothing chosen: the queue only frees the slots of queued posts that no longer wait, and finishes a re-plan that could not complete',
		displayOptions: { show: { operation: ['update'], resource: ['queue'] } },
		options: [slotsField, timeZoneField],
	},
];

/**
 * Changes a queue's slots or time zone (`PATCH /v1/queues/{id}`): its queued posts keep their
 * order and take the first slots of the new schedule. The output is the queue with its upcoming
 * slots.
 */
export async function updateQueue(
	this: IExecuteFunctions,
	i: number,
): Promise<INodeExecutionData[]> {
	const id = encodeURIComponent(this.getNodeParameter('queueId', i) as string);
	const fields = this.getNodeParameter('queueUpdateFields', i, {}) as IDataObject;
	const body: IDataObject = {};
	if (fields.timezone) body.timezone = fields.timezone;
	if (fields.slots !== undefined) {
		const slots = slotsBody(this, i, fields.slots as IDataObject);
		if (slots.length) body.slots = slots;
	}
	const queue = await postflowRequest.call(this, 'PATCH', `/v1/queues/${id}`, {
		body,
		itemIndex: i,
	});
	return [{ json: queue, pairedItem: { item: i } }];
}
