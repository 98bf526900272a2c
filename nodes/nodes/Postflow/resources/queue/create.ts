import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { postflowRequest } from '../../transport';
import { slotsBody, slotsField, timeZoneField } from './slot-fields';

const showOnlyForQueueCreate = { operation: ['create'], resource: ['queue'] };

export const queueCreateDescription: INodeProperties[] = [
	{
		displayName: 'Queue For',
		name: 'owner',
		type: 'options',
		noDataExpression: true,
		default: 'account',
		displayOptions: { show: showOnlyForQueueCreate },
		options: [
			{ name: 'Account', value: 'account', description: "One account's queue" },
			{
				name: 'Brand',
				value: 'brand',
				description: "A queue the brand's accounts share (an account's own queue wins)",
			},
		],
	},
	{
		displayName: 'Account Name or ID',
		name: 'queueAccountId',
		type: 'options',
		typeOptions: { loadOptionsMethod: 'getAccounts' },
		required: true,
		default: '',
		description:
			'Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>',
		displayOptions: { show: { ...showOnlyForQueueCreate, owner: ['account'] } },
	},
	{
		displayName: 'Brand ID',
		name: 'brandId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. brand_01J…',
		displayOptions: { show: { ...showOnlyForQueueCreate, owner: ['brand'] } },
	},
	{ ...timeZoneField, required: true, displayOptions: { show: showOnlyForQueueCreate } },
	{ ...slotsField, displayOptions: { show: showOnlyForQueueCreate } },
];

/** Creates a posting queue (`POST /v1/queues`): weekly slots in a time zone, for an account or a brand. */
export async function createQueue(
	this: IExecuteFunctions,
	i: number,
): Promise<INodeExecutionData[]> {
	const owner = this.getNodeParameter('owner', i) as 'account' | 'brand';
	const slots = slotsBody(this, i, this.getNodeParameter('slots', i, {}) as IDataObject);
	if (!slots.length) {
		throw new NodeOperationError(this.getNode(), `No slot group [item ${i}]`, {
			itemIndex: i,
			description: 'Add at least one slot group, e.g. Monday to Friday at 09:00.',
		});
	}
	const body: IDataObject = {
		...(owner === 'account'
			? { account_id: this.getNodeParameter('queueAccountId', i) as string }
			: { brand_id: this.getNodeParameter('brandId', i) as string }),
		timezone: this.getNodeParameter('timezone', i) as string,
		slots,
	};
	const queue = await postflowRequest.call(this, 'POST', '/v1/queues', { body, itemIndex: i });
	return [{ json: queue, pairedItem: { item: i } }];
}
