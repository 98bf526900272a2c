import type { INodeProperties } from 'n8n-workflow';
import { createPost, postCreateDescription } from './create';
import { getPost } from './get';
import { getImport, postGetImportDescription } from './getImport';
import { getPostMetrics } from './getMetrics';
import { getManyPosts, postGetManyDescription } from './getMany';
import { approvePost, cancelPost, publishPostNow, rejectPost, retryPost } from './simple-actions';
import { importPosts, postImportDescription } from './import';
import { postUpdateDescription, updatePost } from './update';

export const postOperations = {
	approve: approvePost,
	cancel: cancelPost,
	create: createPost,
	get: getPost,
	getAll: getManyPosts,
	getImport,
	getMetrics: getPostMetrics,
	import: importPosts,
	publishNow: publishPostNow,
	reject: rejectPost,
	retry: retryPost,
	update: updatePost,
};

export const postDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['post'] } },
		default: 'create',
		options: [
			{
				name: 'Approve',
				value: 'approve',
				action: 'Approve a post',
				description:
					'Approve a post pending approval: it goes out at its time, or at once if that passed',
			},
			{
				name: 'Cancel',
				value: 'cancel',
				action: 'Cancel a post',
				description: 'Cancel a scheduled or draft post; delete a published one from its platforms',
			},
			{
				name: 'Create',
				value: 'create',
				action: 'Create a post',
				description: 'Publish now, schedule, or save a draft',
			},
			{
				name: 'Get',
				value: 'get',
				action: 'Get a post',
				description: "Get a post and every account's result",
			},
			{
				name: 'Get Import',
				value: 'getImport',
				action: 'Get an import of posts',
				description: "An import's progress: counts, and each row's post or problems",
			},
			{
				name: 'Get Many',
				value: 'getAll',
				action: 'Get many posts',
				description: 'List posts with filters',
			},
			{
				name: 'Get Metrics',
				value: 'getMetrics',
				action: 'Get the metrics of a post',
				description:
					"Each account's latest likes, comments, shares and saves, collected after publishing",
			},
			{
				name: 'Import',
				value: 'import',
				action: 'Import posts',
				description:
					'Create many posts at once from rows (input items, JSON or CSV), every row checked; or only check them',
			},
			{
				name: 'Publish Now',
				value: 'publishNow',
				action: 'Publish a post now',
				description: 'Publish a draft or scheduled post at once',
			},
			{
				name: 'Reject',
				value: 'reject',
				action: 'Reject a post',
				description: 'Reject a post pending approval, with a reason: it will not be published',
			},
			{
				name: 'Retry Failed',
				value: 'retry',
				action: 'Retry a post',
				description: 'Publish the failed accounts of a post again',
			},
			{
				name: 'Update',
				value: 'update',
				action: 'Update a post',
				description: 'Reschedule or edit a draft or scheduled post',
			},
		],
	},
	{
		displayName: 'Post ID',
		name: 'postId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. post_01JABCDEFGHJKMNPQRSTVWXYZ0',
		description:
			'The post to act on. Get and Get Metrics also take the ID a platform gave the published post.',
		displayOptions: {
			show: {
				operation: ['approve', 'cancel', 'get', 'getMetrics', 'publishNow', 'reject', 'retry', 'update'],
				resource: ['post'],
			},
		},
	},
	{
		displayName: 'Reason',
		name: 'reason',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. The logo is outdated',
		description: 'Why the post is rejected (at most 1,000 characters); the post keeps it',
		displayOptions: { show: { operation: ['reject'], resource: ['post'] } },
	},
	...postCreateDescription,
	...postImportDescription,
	...postGetImportDescription,
	...postGetManyDescription,
	...postUpdateDescription,
];
