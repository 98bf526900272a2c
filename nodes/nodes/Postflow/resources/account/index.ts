import type {
	IExecuteFunctions,
	IDataObject,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { postflowRequest } from '../../transport';

/** The accounts Postflow publishes to, with their status (`active` or `reconnect_required`). */
export async function getManyAccounts(
	this: IExecuteFunctions,
	i: number,
): Promise<INodeExecutionData[]> {
	const answer = await postflowRequest.call(this, 'GET', '/v1/accounts', { itemIndex: i });
	return ((answer.data as IDataObject[]) ?? []).map((account) => ({
		json: account,
		pairedItem: { item: i },
	}));
}

export const accountOperations = { getAll: getManyAccounts };

export const accountDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['account'] } },
		default: 'getAll',
		options: [
			{
				name: 'Get Many',
				value: 'getAll',
				action: 'Get many accounts',
				description: 'List the accounts posts can target',
			},
		],
	},
];
