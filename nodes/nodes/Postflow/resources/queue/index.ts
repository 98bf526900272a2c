import type {
	IExecuteFunctions,
	IDataObject,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { postflowRequest } from '../../transport';
import { createQueue, queueCreateDescription } from './create';
import { deleteQueue } from './delete';
import { queueUpdateDescription, updateQueue } from './update';

/** The posting queues (weekly time slots of an account or a brand). */
export async function getManyQueues(
	this: IExecuteFunctions,
	i: number,
): Promise<INodeExecutionData[]> {
	const answer = await postflowRequest.call(this, 'GET', '/v1/queues', { itemIndex: i });
	return ((answer.data as IDataObject[]) ?? []).map((queue) => ({
		json: queue,
		pairedItem: { item: i },
	}));
}

/** One queue with its upcoming slots, each with the post holding it (or null when free). */
export async function getQueue(
	this: IExecuteFunctions,
	i: number,
): Promise<INodeExecutionData[]> {
	const id = encodeURIComponent(this.getNodeParameter('queueId', i) as string);
	const count = this.getNodeParameter('slotCount', i, 10) as number;
	const queue = await postflowRequest.call(this, 'GET', `/v1/queues/${id}`, {
		qs: { count },
		itemIndex: i,
	});
	return [{ json: queue, pairedItem: { item: i } }];
}

export const queueOperations = {
	create: createQueue,
	delete: deleteQueue,
	get: getQueue,
	getAll: getManyQueues,
	update: updateQueue,
};

const showFor = (operation: string[]) => ({ show: { resource: ['queue'], operation } });

export const queueDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['queue'] } },
		default: 'get',
		options: [
			{
				name: 'Create',
				value: 'create',
				action: 'Create a queue',
				description: 'Weekly time slots in a time zone, for an account or a brand',
			},
			{
				name: 'Delete',
				value: 'delete',
				action: 'Delete a queue',
				description: 'Its posts stay scheduled at their times, out of any queue',
			},
			{
				name: 'Get',
				value: 'get',
				action: 'Get a queue',
				description: 'A queue with its upcoming time slots and the posts in them',
			},
			{
				name: 'Get Many',
				value: 'getAll',
				action: 'Get many queues',
				description: 'List the posting queues',
			},
			{
				name: 'Update',
				value: 'update',
				action: 'Update a queue',
				description: 'Change the slots or time zone; the queued posts move to the new slots',
			},
		],
	},
	{
		displayName: 'Queue ID',
		name: 'queueId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. queue_01J…',
		displayOptions: showFor(['delete', 'get', 'update']),
	},
	{
		displayName: 'Slot Count',
		name: 'slotCount',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 200 },
		default: 10,
		description: 'How many upcoming slots to show (every slot a post holds is shown too)',
		displayOptions: showFor(['get']),
	},
	...queueCreateDescription,
	...queueUpdateDescription,
];
