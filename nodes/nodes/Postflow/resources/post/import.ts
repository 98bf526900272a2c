import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { postflowRequest } from '../../transport';

const showOnlyForPostImport = { operation: ['import'], resource: ['post'] };

export const postImportDescription: INodeProperties[] = [
	{
		displayName: 'Rows From',
		name: 'importSource',
		type: 'options',
		noDataExpression: true,
		default: 'items',
		displayOptions: { show: showOnlyForPostImport },
		options: [
			{
				name: 'CSV',
				value: 'csv',
				description:
					'A CSV text (header line, then one post per line); each input item makes one import',
			},
			{
				name: 'Input Items',
				value: 'items',
				description:
					"Each input item's JSON is one row (a Create Post body, e.g. text and account_ids); all items make one import",
			},
			{
				name: 'JSON',
				value: 'json',
				description: 'A JSON array of Create Post bodies; each input item makes one import',
			},
		],
	},
	{
		displayName: 'CSV',
		name: 'csv',
		type: 'string',
		typeOptions: { rows: 6 },
		required: true,
		default: '',
		placeholder: 'e.g. text,account_ids,scheduled_at',
		description:
			'Columns: text (required), account_ids, media_ids, media_urls, scheduled_at, title, first_comment, visibility, platform_options, requires_approval, approval_window_minutes. Lists are separated by spaces.',
		displayOptions: { show: { ...showOnlyForPostImport, importSource: ['csv'] } },
	},
	{
		displayName: 'JSON Rows',
		name: 'jsonRows',
		type: 'json',
		required: true,
		default: '[]',
		placeholder: 'e.g. [{"text": "Hello", "account_ids": ["acc_…"]}]',
		description:
			'An array of Create Post bodies, one per row; an expression can read it from a field of the input item',
		displayOptions: { show: { ...showOnlyForPostImport, importSource: ['json'] } },
	},
	{
		displayName: 'Dry Run',
		name: 'dryRun',
		type: 'boolean',
		default: false,
		description:
			'Whether to only check every row and report its problems (and the post ID it would get), creating nothing',
		displayOptions: { show: showOnlyForPostImport },
	},
];

/**
 * Imports posts in bulk (`POST /v1/posts/import`): every row is checked as Create checks a post,
 * every problem reported with its row; the valid rows' posts are then started by Postflow. A row
 * imported again makes no new post (its post id comes from its content), so re-running is safe.
 * The output is the import's report; Get Import follows it.
 */
export async function importPosts(
	this: IExecuteFunctions,
	i: number,
): Promise<INodeExecutionData[]> {
	const source = this.getNodeParameter('importSource', i) as 'items' | 'json' | 'csv';
	// Input Items gathers every item into one import, made once: at the first item.
	if (source === 'items' && i > 0) return [];
	const dryRun = this.getNodeParameter('dryRun', i, false) as boolean;
	const csv = source === 'csv';
	const report = await postflowRequest.call(this, 'POST', '/v1/posts/import', {
		body: csv
			? (this.getNodeParameter('csv', i) as string)
			: source === 'items'
				? this.getInputData().map((item) => item.json)
				: jsonRowsOf(this, i, this.getNodeParameter('jsonRows', i)),
		...(csv ? { headers: { 'content-type': 'text/csv' } } : {}),
		...(dryRun ? { qs: { dry_run: 'true' } } : {}),
		itemIndex: i,
	});
	const pairedItem =
		source === 'items' ? this.getInputData().map((_, item) => ({ item })) : { item: i };
	return [{ json: report, pairedItem }];
}

/** The JSON Rows value (JSON text, or an array an expression gave) as the rows to send. */
function jsonRowsOf(ctx: IExecuteFunctions, i: number, value: unknown): IDataObject[] {
	let rows = value;
	if (typeof value === 'string') {
		try {
			rows = JSON.parse(value || '[]');
		} catch {
			rows = undefined;
		}
	}
	if (!Array.isArray(rows)) {
		throw new NodeOperationError(ctx.getNode(), `JSON Rows is not a JSON array [item ${i}]`, {
			itemIndex: i,
			description:
				'Give an array of Create Post bodies, e.g. [{"text": "Hello", "account_ids": ["acc_1"]}].',
		});
	}
	return rows as IDataObject[];
}
