import type { INodeProperties } from 'n8n-workflow';
import { mediaUploadDescription, uploadMedia } from './upload';

export const mediaOperations = { upload: uploadMedia };

export const mediaDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['media'] } },
		default: 'upload',
		options: [
			{
				name: 'Upload',
				value: 'upload',
				action: 'Upload a media file',
				description: 'Add an image or video to the media library, from binary data or a URL',
			},
		],
	},
	...mediaUploadDescription,
];
