import type { IDataObject, IDisplayOptions, INodeProperties } from 'n8n-workflow';

/** Media items, in carousel order: files of the Postflow media library or public URLs. */
export function mediaField(show: NonNullable<IDisplayOptions['show']>): INodeProperties {
	return {
		displayName: 'Media',
		name: 'media',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		default: {},
		placeholder: 'Add Media',
		description: 'Images or videos, in the order the platforms should show them',
		displayOptions: { show },
		options: [
			{
				displayName: 'Item',
				name: 'items',
				values: [
					{
						displayName: 'Source',
						name: 'sourceType',
						type: 'options',
						default: 'media_id',
						options: [
							{
								name: 'Media Library ID',
								value: 'media_id',
								description: 'A file uploaded with Media: Upload',
							},
							{
								name: 'Public URL',
								value: 'url',
								description: 'Fetched by Postflow when the post is published',
							},
						],
					},
					{
						displayName: 'Media ID or URL',
						name: 'source',
						type: 'string',
						default: '',
						placeholder: 'e.g. https://example.com/image.png',
					},
				],
			},
		],
	};
}

/** The media fixedCollection's value as the API's `media[]`. */
export function mediaBody(value: IDataObject): IDataObject[] {
	const items = (value.items as IDataObject[] | undefined) ?? [];
	return items
		.filter((item) => String(item.source ?? '').trim() !== '')
		.map((item) => ({ source_type: item.sourceType, source: String(item.source).trim() }));
}

/** Optional content fields shared by Create and Update. */
export const contentOptions: INodeProperties[] = [
	{
		displayName: 'First Comment',
		name: 'firstComment',
		type: 'string',
		default: '',
		description:
			'Posted under the post once it is live, as a comment or reply where the platform has them; elsewhere the post reports a warning',
	},
	{
		displayName: 'Platform Options (JSON)',
		name: 'platformData',
		type: 'json',
		default: '{}',
		description:
			'Options per platform, keyed by platform, e.g. {"instagram": {"content_type": "feed"}, "pinterest": {"board_id": "123"}}',
	},
	{
		displayName: 'Title',
		name: 'title',
		type: 'string',
		default: '',
		description: 'Used by LinkedIn, Google, YouTube (required there) and Pinterest',
	},
	{
		displayName: 'Visibility',
		name: 'visibility',
		type: 'options',
		default: 'public',
		options: [
			{ name: 'Connections Only', value: 'connections_only' },
			{ name: 'Logged In', value: 'logged_in' },
			{ name: 'Private', value: 'private' },
			{ name: 'Public', value: 'public' },
		],
	},
];

/** The content options collection's value as API fields. */
export function contentBody(options: IDataObject): IDataObject {
	const body: IDataObject = {};
	if (options.title) body.title = options.title;
	if (options.firstComment) body.first_comment = options.firstComment;
	if (options.visibility) body.visibility = options.visibility;
	if (options.platformData !== undefined) {
		const data =
			typeof options.platformData === 'string'
				? JSON.parse(options.platformData || '{}')
				: options.platformData;
		if (data && Object.keys(data as IDataObject).length) body.platform_data = data;
	}
	return body;
}
