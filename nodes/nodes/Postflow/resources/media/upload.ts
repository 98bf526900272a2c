import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { postflowRequest } from '../../transport';

const showOnlyForMediaUpload = { operation: ['upload'], resource: ['media'] };

export const mediaUploadDescription: INodeProperties[] = [
	{
		displayName: 'Source',
		name: 'source',
		type: 'options',
		default: 'binary',
		displayOptions: { show: showOnlyForMediaUpload },
		options: [
			{ name: 'Binary Data', value: 'binary', description: 'A file from a previous node' },
			{ name: 'URL', value: 'url', description: 'Download a file and upload it' },
		],
	},
	{
		displayName: 'Input Binary Field',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		required: true,
		hint: 'The name of the input binary field containing the file to upload',
		displayOptions: { show: { ...showOnlyForMediaUpload, source: ['binary'] } },
	},
	{
		displayName: 'File URL',
		name: 'url',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. https://example.com/image.png',
		displayOptions: { show: { ...showOnlyForMediaUpload, source: ['url'] } },
	},
];

/**
 * Uploads through Postflow's two-step flow: a signed upload URL, the bytes PUT to it directly,
 * then verify. It has no size cap, unlike the 50 MB multipart upload.
 */
export async function uploadMedia(
	this: IExecuteFunctions,
	i: number,
): Promise<INodeExecutionData[]> {
	const { bytes, contentType, filename } = await fileToUpload(this, i);
	const target = await postflowRequest.call(this, 'GET', '/v1/media/upload-url', {
		qs: { media_type: contentType, filename },
		itemIndex: i,
	});
	// The upload URL is signed: it takes no API key.
	await this.helpers.httpRequest({
		method: 'PUT',
		url: String(target.upload_url),
		body: bytes,
		headers: { 'content-type': contentType },
	});
	const verified = await postflowRequest.call(
		this,
		'POST',
		`/v1/media/${encodeURIComponent(String(target.media_id))}/verify`,
		{
			itemIndex: i,
		},
	);
	return [
		{
			json: { media_id: target.media_id, ...((verified.media as IDataObject) ?? {}) },
			pairedItem: { item: i },
		},
	];
}

async function fileToUpload(
	context: IExecuteFunctions,
	i: number,
): Promise<{ bytes: Buffer; contentType: string; filename: string }> {
	if (context.getNodeParameter('source', i) === 'binary') {
		const field = context.getNodeParameter('binaryPropertyName', i) as string;
		const binary = context.helpers.assertBinaryData(i, field);
		return {
			bytes: await context.helpers.getBinaryDataBuffer(i, field),
			contentType: binary.mimeType || 'application/octet-stream',
			filename: binary.fileName ?? 'upload',
		};
	}
	const url = context.getNodeParameter('url', i) as string;
	const response = (await context.helpers.httpRequest({
		method: 'GET',
		url,
		encoding: 'arraybuffer',
		returnFullResponse: true,
	})) as { body: ArrayBuffer; headers: IDataObject };
	const contentType = String(response.headers['content-type'] ?? '')
		.split(';')[0]
		.trim();
	if (!contentType) {
		throw new NodeOperationError(
			context.getNode(),
			`The file at the URL has no content type [item ${i}]`,
			{
				itemIndex: i,
				description:
					'Postflow needs to know whether it is an image or a video; use a URL that sends Content-Type.',
			},
		);
	}
	const filename = decodeURIComponent(new URL(url).pathname.split('/').pop() || 'upload');
	return { bytes: Buffer.from(response.body), contentType, filename };
}
