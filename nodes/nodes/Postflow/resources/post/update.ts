import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { postflowRequest } from '../../transport';
import { contentBody, contentOptions, mediaBody, mediaField } from './content-fields';

const showOnlyForPostUpdate = { operation: ['update'], resource: ['post'] };

export const postUpdateDescription: INodeProperties[] = [
	{
		displayName: 'Update Fields',
		name: 'updateFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		displayOptions: { show: showOnlyForPostUpdate },
		options: [
			...contentOptions,
			{
				displayName: 'Scheduled At',
				name: 'scheduledAt',
				type: 'dateTime',
				default: '',
				description: 'A new time to publish at (reschedules a draft or scheduled post)',
			},
			{
				displayName: 'Text',
				name: 'text',
				type: 'string',
				typeOptions: { rows: 4 },
				default: '',
			},
		],
	},
	{
		...mediaField(showOnlyForPostUpdate),
		description: "Replaces the post's media when any is given",
	},
];

export async function updatePost(
	this: IExecuteFunctions,
	i: number,
): Promise<INodeExecutionData[]> {
	const postId = this.getNodeParameter('postId', i) as string;
	const fields = this.getNodeParameter('updateFields', i, {}) as IDataObject;
	const media = mediaBody(this.getNodeParameter('media', i, {}) as IDataObject);
	const body: IDataObject = {
		...contentBody(fields),
		...(fields.text ? { text: fields.text } : {}),
		...(fields.scheduledAt
			? { scheduled_at: new Date(Date.parse(fields.scheduledAt as string)).toISOString() }
			: {}),
		...(media.length ? { media } : {}),
	};
	const post = await postflowRequest.call(
		this,
		'PATCH',
		`/v1/posts/${encodeURIComponent(postId)}`,
		{
			body,
			itemIndex: i,
		},
	);
	return [{ json: post, pairedItem: { item: i } }];
}
