import type { IDataObject, ILoadOptionsFunctions } from 'n8n-workflow';
import { NodeApiError, NodeOperationError, WAIT_INDEFINITELY } from 'n8n-workflow';
import { Postflow } from '../nodes/Postflow/Postflow.node';
import { fakeExecute, on } from './fake-n8n';

const post = (status: string, extra: IDataObject = {}) => ({
	id: 'post_1',
	status,
	targets: [],
	...extra,
});
const run = async (fake: ReturnType<typeof fakeExecute>) =>
	(await new Postflow().execute.call(fake.context))[0];

describe('Post: Create', () => {
	const base = {
		resource: 'post',
		operation: 'create',
		text: 'Hello',
		accountIds: ['acc_1', 'acc_2'],
		options: {},
	};

	test('publish now sends the current dialect with media, an idempotency key, and outputs the post', async () => {
		const fake = fakeExecute({
			params: {
				...base,
				mode: 'now',
				media: {
					items: [
						{ sourceType: 'media_id', source: 'm1' },
						{ sourceType: 'url', source: ' https://x.test/a.png ' },
					],
				},
				options: { title: 'T', platformData: '{"sandbox":{"latency_ms":1}}' },
			},
			routes: [on('POST', '/v1/posts', () => ({ statusCode: 201, body: post('published') }))],
		});
		const output = await run(fake);
		expect(output).toEqual([{ json: post('published'), pairedItem: { item: 0 } }]);
		expect(fake.calls[0]).toMatchObject({
			method: 'POST',
			authenticated: true,
			body: {
				text: 'Hello',
				targets: [{ account_id: 'acc_1' }, { account_id: 'acc_2' }],
				publish_now: true,
				media: [
					{ source_type: 'media_id', source: 'm1' },
					{ source_type: 'url', source: 'https://x.test/a.png' },
				],
				title: 'T',
				platform_data: { sandbox: { latency_ms: 1 } },
			},
			headers: { 'Idempotency-Key': expect.stringMatching(/^n8n-[0-9a-f]{40}$/) },
		});
	});

	test('Target Schedules give chosen accounts their own instant; an account not chosen is refused', async () => {
		const fake = fakeExecute({
			params: {
				...base,
				mode: 'schedule',
				scheduledAt: '2030-01-01T09:00:00Z',
				options: {
					targetSchedules: { items: [{ accountId: 'acc_2', scheduledAt: '2030-01-02T09:00:00' }] },
				},
			},
			routes: [on('POST', '/v1/posts', () => ({ statusCode: 201, body: post('scheduled') }))],
		});
		await run(fake);
		expect(fake.calls[0]!.body).toMatchObject({
			scheduled_at: '2030-01-01T09:00:00.000Z',
			targets: [
				{ account_id: 'acc_1' },
				{ account_id: 'acc_2', scheduled_at: new Date('2030-01-02T09:00:00').toISOString() },
			],
		});
		expect(fake.calls[0]!.body).not.toHaveProperty('targetSchedules');

		const wrong = fakeExecute({
			params: {
				...base,
				mode: 'now',
				options: {
					targetSchedules: { items: [{ accountId: 'acc_9', scheduledAt: '2030-01-02T09:00:00Z' }] },
				},
			},
			routes: [],
		});
		await expect(run(wrong)).rejects.toThrow(NodeOperationError);
		expect(wrong.calls).toHaveLength(0);
	});

	test('the derived idempotency key is the same for a re-run of the same item, and differs per item', async () => {
		const keyOf = async (items: IDataObject[], index = 0) => {
			const fake = fakeExecute({
				items,
				params: { ...base, mode: 'now' },
				routes: [on('POST', '/v1/posts', () => post('published'))],
			});
			await run(fake);
			return (fake.calls[index].headers as IDataObject)['Idempotency-Key'];
		};
		expect(await keyOf([{ row: 1 }])).toBe(await keyOf([{ row: 1 }]));
		expect(await keyOf([{ row: 1 }])).not.toBe(await keyOf([{ row: 2 }]));
		expect(await keyOf([{ row: 1 }, { row: 1 }], 0)).not.toBe(
			await keyOf([{ row: 1 }, { row: 1 }], 1),
		);
		const fake = fakeExecute({
			params: { ...base, mode: 'now', options: { idempotencyKey: 'mine' } },
			routes: [on('POST', '/v1/posts', () => post('published'))],
		});
		await run(fake);
		expect((fake.calls[0].headers as IDataObject)['Idempotency-Key']).toBe('mine');
	});

	test('schedule sends an RFC 3339 instant; a draft sends no accounts', async () => {
		const scheduled = fakeExecute({
			params: { ...base, mode: 'schedule', scheduledAt: '2030-01-01T10:00:00' },
			routes: [on('POST', '/v1/posts', () => post('scheduled'))],
		});
		await run(scheduled);
		expect(scheduled.calls[0].body).toMatchObject({
			scheduled_at: expect.stringMatching(/^2030-01-01T\d\d:00:00\.000Z$/),
		});
		const draft = fakeExecute({
			params: { ...base, mode: 'draft' },
			routes: [on('POST', '/v1/posts', () => post('draft'))],
		});
		await run(draft);
		expect(draft.calls[0].body).not.toHaveProperty('targets');
		expect(draft.calls[0].body).not.toHaveProperty('publish_now');
	});

	test('Add to Queue and Share Next send queue, and no time of their own', async () => {
		for (const [mode, queue] of [
			['queue', true],
			['queueNext', 'next'],
		] as const) {
			const fake = fakeExecute({
				params: { ...base, mode },
				routes: [on('POST', '/v1/posts', () => post('scheduled'))],
			});
			await run(fake);
			expect(fake.calls[0].body).toMatchObject({
				queue,
				targets: [{ account_id: 'acc_1' }, { account_id: 'acc_2' }],
			});
			expect(fake.calls[0].body).not.toHaveProperty('scheduled_at');
			expect(fake.calls[0].body).not.toHaveProperty('publish_now');
		}
	});

	test('Recycle sends recycle with its variations; unset, no recycle is sent', async () => {
		const fake = fakeExecute({
			params: {
				...base,
				mode: 'now',
				options: {
					recycle: {
						settings: { afterDays: 14, times: 2, variations: ['Again!', ' ', 'Once more'] },
					},
				},
			},
			routes: [on('POST', '/v1/posts', () => post('published'))],
		});
		await run(fake);
		expect(fake.calls[0].body).toMatchObject({
			recycle: { after_days: 14, times: 2, variations: ['Again!', 'Once more'] },
		});
		const plain = fakeExecute({
			params: { ...base, mode: 'now' },
			routes: [on('POST', '/v1/posts', () => post('published'))],
		});
		await run(plain);
		expect(plain.calls[0].body).not.toHaveProperty('recycle');
	});

	test('no account to publish to is refused before any request', async () => {
		const fake = fakeExecute({ params: { ...base, mode: 'now', accountIds: [] } });
		await expect(run(fake)).rejects.toBeInstanceOf(NodeOperationError);
		expect(fake.calls).toEqual([]);
	});

	test('when every target failed (422) the failed post is the output, not an error', async () => {
		const failed = post('failed');
		const fake = fakeExecute({
			params: { ...base, mode: 'now' },
			routes: [
				on('POST', '/v1/posts', () => ({
					statusCode: 422,
					body: {
						error: {
							code: 'publishing.delivery.all_failed',
							message: 'all',
							meta: { post: failed },
						},
					},
				})),
			],
		});
		expect((await run(fake))[0].json).toEqual(failed);
	});

	test('wait for completion hands Postflow the resume URL of this node, then waits', async () => {
		const fake = fakeExecute({
			params: {
				...base,
				mode: 'schedule',
				scheduledAt: '2030-01-01T10:00:00Z',
				waitForCompletion: true,
			},
			routes: [on('POST', '/v1/posts', () => post('scheduled'))],
		});
		const output = await run(fake);
		expect((fake.calls[0].body as IDataObject).callback_url).toMatch(
			/^http:\/\/n8n\.test\/webhook-waiting\/77\/node-1234\?signature=abc&postflow_token=[0-9a-f]{64}$/,
		);
		expect(fake.waits).toEqual([WAIT_INDEFINITELY]);
		expect(output[0].json).toEqual(post('scheduled'));
	});

	test('wait for completion on a post that is already final does not wait; with two items it is refused', async () => {
		const done = fakeExecute({
			params: { ...base, mode: 'now', waitForCompletion: true },
			routes: [on('POST', '/v1/posts', () => post('published'))],
		});
		await run(done);
		expect(done.waits).toEqual([]);
		const two = fakeExecute({
			items: [{}, {}],
			params: { ...base, mode: 'now', waitForCompletion: true },
			routes: [on('POST', '/v1/posts', () => post('publishing'))],
		});
		await expect(run(two)).rejects.toThrow('one item per execution');
	});
});

describe('post metrics', () => {
	test('Get Metrics reads GET /v1/posts/{id}/metrics and returns it as the item', async () => {
		const answer = {
			post_id: 'post_m',
			targets: [
				{
					account_id: 'acc_1',
					platform: 'mastodon',
					status: 'published',
					platform_post_id: '1',
					metrics: { likes: 3, comments: 1, shares: 0, saves: 0, extra: {} },
					metrics_synced_at: '2026-12-05T10:00:00.000Z',
					metrics_supported: true,
				},
			],
		};
		const fake = fakeExecute({
			params: { resource: 'post', operation: 'getMetrics', postId: 'post_m' },
			routes: [on('GET', '/v1/posts/post_m/metrics', () => answer)],
		});
		const items = await run(fake);
		expect(items.map((item) => item.json)).toEqual([answer]);
		expect(fake.calls.map((c) => [c.method, c.url])).toEqual([['GET', 'http://postflow.test/v1/posts/post_m/metrics']]);
	});
});

describe('errors', () => {
	const params = { resource: 'post', operation: 'get', postId: 'post_x' };

	test('a refusal is a NodeApiError with the contract code, message, field and request id', async () => {
		const fake = fakeExecute({
			params,
			routes: [
				on('GET', '/v1/posts/post_x', () => ({
					statusCode: 404,
					body: {
						error: { code: 'post.not_found', message: 'No post post_x.', meta: { field: 'id' } },
						request_id: 'r1',
					},
				})),
			],
		});
		const error = (await run(fake).catch((e: unknown) => e)) as NodeApiError;
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toBe('post.not_found: No post post_x.');
		expect(error.description).toContain('Field: id.');
		expect(error.description).toContain('r1');
		expect(error.httpCode).toBe('404');
	});

	test('a wrong base URL answering HTML is reported as such, not as success', async () => {
		const fake = fakeExecute({
			params,
			routes: [
				on('GET', '/v1/posts/post_x', () => ({ statusCode: 200, body: '<html>login</html>' })),
			],
		});
		await expect(run(fake)).rejects.toThrow("without Postflow's JSON");
	});

	test('with continue on fail, the error becomes the item', async () => {
		const fake = fakeExecute({ params, continueOnFail: true });
		expect(await run(fake)).toEqual([
			{ json: { error: expect.stringContaining('resource.not_found') }, pairedItem: { item: 0 } },
		]);
	});
});

describe('other post operations', () => {
	test('get many pages with the cursor until the limit, passing the filters', async () => {
		const pages: Record<string, IDataObject> = {
			'': {
				data: [post('scheduled', { id: 'p1' }), post('scheduled', { id: 'p2' })],
				pagination: { has_more: true, next_cursor: 'c1' },
			},
			c1: {
				data: [post('scheduled', { id: 'p3' })],
				pagination: { has_more: false, next_cursor: '' },
			},
		};
		const fake = fakeExecute({
			params: {
				resource: 'post',
				operation: 'getAll',
				returnAll: true,
				filters: { status: 'scheduled', accountIds: 'acc_1, acc_2', from: '2030-01-01T00:00:00Z' },
			},
			routes: [on('GET', '/v1/posts', (call) => pages[String(call.qs?.cursor ?? '')])],
		});
		const output = await run(fake);
		expect(output.map((o) => o.json.id)).toEqual(['p1', 'p2', 'p3']);
		expect(fake.calls[0].qs).toMatchObject({
			status: 'scheduled',
			account_ids: 'acc_1,acc_2',
			from: '2030-01-01T00:00:00.000Z',
		});
		const limited = fakeExecute({
			params: { resource: 'post', operation: 'getAll', returnAll: false, limit: 1, filters: {} },
			routes: [on('GET', '/v1/posts', (call) => pages[String(call.qs?.cursor ?? '')])],
		});
		expect((await run(limited)).map((o) => o.json.id)).toEqual(['p1']);
		expect(limited.calls).toHaveLength(1);
	});

	test('update, cancel, publish now and retry call their endpoints', async () => {
		const cases: Array<[IDataObject, string, string]> = [
			[
				{
					operation: 'update',
					updateFields: { text: 'New', scheduledAt: '2030-02-01T09:00:00Z' },
					media: {},
				},
				'PATCH',
				'/v1/posts/post_1',
			],
			[{ operation: 'cancel' }, 'DELETE', '/v1/posts/post_1'],
			[{ operation: 'publishNow' }, 'POST', '/v1/posts/post_1/publish'],
			[{ operation: 'retry' }, 'POST', '/v1/posts/post_1/retry'],
			[{ operation: 'approve' }, 'POST', '/v1/posts/post_1/approve'],
			[{ operation: 'reject', reason: 'Off brand' }, 'POST', '/v1/posts/post_1/reject'],
		];
		for (const [params, method, path] of cases) {
			const fake = fakeExecute({
				params: { resource: 'post', postId: 'post_1', ...params },
				routes: [on(method, path, () => ({ success: true, post: post('publishing') }))],
			});
			const output = await run(fake);
			expect([path, fake.calls[0].method]).toEqual([path, method]);
			expect(output).toHaveLength(1);
		}
		const update = fakeExecute({
			params: {
				resource: 'post',
				operation: 'update',
				postId: 'post_1',
				updateFields: { text: 'New', scheduledAt: '2030-02-01T09:00:00Z' },
				media: {},
			},
			routes: [on('PATCH', '/v1/posts/post_1', () => post('scheduled'))],
		});
		await run(update);
		expect(update.calls[0].body).toEqual({ text: 'New', scheduled_at: '2030-02-01T09:00:00.000Z' });
	});

	test('approve sends no body; reject sends the reason; both output the post', async () => {
		const approve = fakeExecute({
			params: { resource: 'post', operation: 'approve', postId: 'post_1' },
			routes: [on('POST', '/v1/posts/post_1/approve', () => post('scheduled'))],
		});
		expect((await run(approve))[0].json.status).toBe('scheduled');
		expect(approve.calls[0].body).toBeUndefined();
		const reject = fakeExecute({
			params: { resource: 'post', operation: 'reject', postId: 'post_1', reason: 'Off brand' },
			routes: [on('POST', '/v1/posts/post_1/reject', () => post('rejected'))],
		});
		expect((await run(reject))[0].json.status).toBe('rejected');
		expect(reject.calls[0].body).toEqual({ reason: 'Off brand' });
	});
});

describe('Media: Upload and Account: Get Many', () => {
	test('binary data goes up through the signed upload URL (no API key on the PUT), then verify', async () => {
		const fake = fakeExecute({
			params: {
				resource: 'media',
				operation: 'upload',
				source: 'binary',
				binaryPropertyName: 'data',
			},
			binary: { data: Buffer.from('PNGDATA'), mimeType: 'image/png', fileName: 'a.png' },
			routes: [
				on('GET', '/v1/media/upload-url', () => ({
					media_id: 'm1',
					upload_url: 'http://postflow.test/media-files/m1?expires=1&signature=s',
				})),
				(call) =>
					call.method === 'PUT' ? { statusCode: 200, body: { success: true } } : undefined,
				on('POST', '/v1/media/m1/verify', () => ({
					success: true,
					media: { id: 'm1', status: 'ready', size_bytes: 7 },
				})),
			],
		});
		expect((await run(fake))[0].json).toEqual({
			media_id: 'm1',
			id: 'm1',
			status: 'ready',
			size_bytes: 7,
		});
		expect(fake.calls[0].qs).toEqual({ media_type: 'image/png', filename: 'a.png' });
		expect(fake.calls[1]).toMatchObject({
			method: 'PUT',
			authenticated: false,
			headers: { 'content-type': 'image/png' },
		});
		expect(Buffer.from(fake.calls[1].body as Buffer).toString()).toBe('PNGDATA');
	});

	test('a URL is downloaded, then uploaded the same way; a file without a content type is refused', async () => {
		const fake = fakeExecute({
			params: {
				resource: 'media',
				operation: 'upload',
				source: 'url',
				url: 'https://files.test/cats/cat%201.jpg',
			},
			routes: [
				(call) =>
					call.url === 'https://files.test/cats/cat%201.jpg'
						? {
								statusCode: 200,
								body: Buffer.from('JPEG'),
								headers: { 'content-type': 'image/jpeg; charset=binary' },
							}
						: undefined,
				on('GET', '/v1/media/upload-url', () => ({
					media_id: 'm2',
					upload_url: 'http://postflow.test/media-files/m2?s=1',
				})),
				(call) =>
					call.method === 'PUT' ? { statusCode: 200, body: { success: true } } : undefined,
				on('POST', '/v1/media/m2/verify', () => ({
					success: true,
					media: { id: 'm2', status: 'ready' },
				})),
			],
		});
		expect((await run(fake))[0].json).toMatchObject({ media_id: 'm2', status: 'ready' });
		expect(fake.calls[1].qs).toEqual({ media_type: 'image/jpeg', filename: 'cat 1.jpg' });
		expect(fake.calls[2]).toMatchObject({
			method: 'PUT',
			authenticated: false,
			headers: { 'content-type': 'image/jpeg' },
		});

		const untyped = fakeExecute({
			params: {
				resource: 'media',
				operation: 'upload',
				source: 'url',
				url: 'https://files.test/blob',
			},
			routes: [
				(call) =>
					call.url === 'https://files.test/blob'
						? { statusCode: 200, body: Buffer.from('?'), headers: {} }
						: undefined,
			],
		});
		await expect(run(untyped)).rejects.toThrow('no content type');
	});

	test('accounts are listed one item each, and offered in the account picker', async () => {
		const accounts = {
			count: 2,
			data: [
				{ id: 'a1', name: 'One', platform: 'sandbox', status: 'active' },
				{ id: 'a2', name: 'Two', platform: 'sandbox', status: 'reconnect_required' },
			],
		};
		const fake = fakeExecute({
			params: { resource: 'account', operation: 'getAll' },
			routes: [on('GET', '/v1/accounts', () => accounts)],
		});
		expect((await run(fake)).map((o) => o.json.id)).toEqual(['a1', 'a2']);
		const options = await new Postflow().methods.loadOptions.getAccounts.call(
			fake.context as unknown as ILoadOptionsFunctions,
		);
		expect(options).toEqual([
			{ name: 'One (sandbox)', value: 'a1' },
			{ name: 'Two (sandbox, reconnect_required)', value: 'a2' },
		]);
	});
});

describe('Queue', () => {
	test('Get asks for the queue with its upcoming slots; Get Many lists the queues', async () => {
		const queue = {
			id: 'queue_1',
			upcoming: [{ at: '2030-01-07T08:00:00.000Z', post_id: 'post_1' }],
		};
		const get = fakeExecute({
			params: { resource: 'queue', operation: 'get', queueId: 'queue_1', slotCount: 5 },
			routes: [on('GET', '/v1/queues/queue_1', () => queue)],
		});
		expect(await run(get)).toEqual([{ json: queue, pairedItem: { item: 0 } }]);
		expect(get.calls[0].qs).toEqual({ count: 5 });
		const list = fakeExecute({
			params: { resource: 'queue', operation: 'getAll' },
			routes: [on('GET', '/v1/queues', () => ({ count: 1, data: [{ id: 'queue_1' }] }))],
		});
		expect(await run(list)).toEqual([{ json: { id: 'queue_1' }, pairedItem: { item: 0 } }]);
	});
});

describe('Queue: Create, Update and Delete', () => {
	const queue = { id: 'queue_1', account_id: 'acc_1', timezone: 'Europe/Berlin', slots: [] };

	test('Create sends the account, the time zone and the slot groups with their times split', async () => {
		const fake = fakeExecute({
			params: {
				resource: 'queue',
				operation: 'create',
				owner: 'account',
				queueAccountId: 'acc_1',
				timezone: 'Europe/Berlin',
				slots: {
					groups: [
						{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], times: '09:00, 12:30 17:00' },
						{ days: ['sat'], times: '10:00' },
					],
				},
			},
			routes: [on('POST', '/v1/queues', () => ({ statusCode: 201, body: queue }))],
		});
		expect(await run(fake)).toEqual([{ json: queue, pairedItem: { item: 0 } }]);
		expect(fake.calls[0]!.body).toEqual({
			account_id: 'acc_1',
			timezone: 'Europe/Berlin',
			slots: [
				{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], times: ['09:00', '12:30', '17:00'] },
				{ days: ['sat'], times: ['10:00'] },
			],
		});
	});

	test('a brand queue sends brand_id; no slots, or a group without times, is refused before any request', async () => {
		const brand = fakeExecute({
			params: {
				resource: 'queue',
				operation: 'create',
				owner: 'brand',
				brandId: 'brand_1',
				timezone: 'UTC',
				slots: { groups: [{ days: ['sun'], times: '08:00' }] },
			},
			routes: [on('POST', '/v1/queues', () => ({ statusCode: 201, body: queue }))],
		});
		await run(brand);
		expect(brand.calls[0]!.body).toEqual({
			brand_id: 'brand_1',
			timezone: 'UTC',
			slots: [{ days: ['sun'], times: ['08:00'] }],
		});
		for (const slots of [{}, { groups: [{ days: ['mon'], times: ' ' }] }]) {
			const fake = fakeExecute({
				params: {
					resource: 'queue',
					operation: 'create',
					owner: 'account',
					queueAccountId: 'acc_1',
					timezone: 'UTC',
					slots,
				},
			});
			await expect(run(fake)).rejects.toThrow(NodeOperationError);
			expect(fake.calls).toEqual([]);
		}
	});

	test('Update patches only the fields given (none: {}); Delete outputs a confirmation', async () => {
		const update = fakeExecute({
			params: {
				resource: 'queue',
				operation: 'update',
				queueId: 'queue_1',
				queueUpdateFields: {
					timezone: 'America/New_York',
					slots: { groups: [{ days: ['mon'], times: '09:00' }] },
				},
			},
			routes: [on('PATCH', '/v1/queues/queue_1', () => ({ ...queue, upcoming: [] }))],
		});
		expect((await run(update))[0]!.json).toMatchObject({ id: 'queue_1', upcoming: [] });
		expect(update.calls[0]!.body).toEqual({
			timezone: 'America/New_York',
			slots: [{ days: ['mon'], times: ['09:00'] }],
		});
		const empty = fakeExecute({
			params: { resource: 'queue', operation: 'update', queueId: 'queue_1', queueUpdateFields: {} },
			routes: [on('PATCH', '/v1/queues/queue_1', () => queue)],
		});
		await run(empty);
		expect(empty.calls[0]!.body).toEqual({});

		const remove = fakeExecute({
			params: { resource: 'queue', operation: 'delete', queueId: 'queue_1' },
			routes: [on('DELETE', '/v1/queues/queue_1', () => ({ statusCode: 204, body: undefined }))],
		});
		expect(await run(remove)).toEqual([
			{ json: { id: 'queue_1', deleted: true }, pairedItem: { item: 0 } },
		]);
	});
});

describe('Recurring Post', () => {
	const recurring = { id: 'rec_1', object: 'recurring_post', status: 'active' };

	test('Create sends the post, a cron rule in a time zone and an end by count, with an idempotency key', async () => {
		const fake = fakeExecute({
			params: {
				resource: 'recurringPost',
				operation: 'create',
				text: 'Weekly tip',
				accountIds: ['acc_1'],
				repeat: 'cron',
				cron: '0 9 * * 1',
				timeZone: 'Europe/Berlin',
				end: 'count',
				count: 10,
			},
			routes: [on('POST', '/v1/recurring-posts', () => ({ statusCode: 201, body: recurring }))],
		});
		expect(await run(fake)).toEqual([{ json: recurring, pairedItem: { item: 0 } }]);
		expect(fake.calls[0]).toMatchObject({
			body: {
				post: { account_ids: ['acc_1'], text: 'Weekly tip' },
				cron: '0 9 * * 1',
				time_zone: 'Europe/Berlin',
				end: { count: 10 },
			},
			headers: { 'Idempotency-Key': expect.stringMatching(/^n8n-rec-[0-9a-f]{40}$/) },
		});
	});

	test('Create with an interval and no end sends only the interval', async () => {
		const fake = fakeExecute({
			params: {
				resource: 'recurringPost',
				operation: 'create',
				text: 'Daily',
				accountIds: ['acc_1'],
				repeat: 'interval',
				every: 2,
				unit: 'days',
				end: 'never',
			},
			routes: [on('POST', '/v1/recurring-posts', () => ({ statusCode: 201, body: recurring }))],
		});
		await run(fake);
		expect(fake.calls[0]!.body).toEqual({
			post: { account_ids: ['acc_1'], text: 'Daily' },
			interval: { every: 2, unit: 'days' },
		});
	});

	test('Get Occurrences outputs one item per occurrence; Pause posts to its route', async () => {
		const occurrences = [
			{ occurrence_at: '2030-01-02T09:00:00.000Z', post_id: 'post_2', post: null },
			{ occurrence_at: '2030-01-01T09:00:00.000Z', post_id: 'post_1', post: null },
		];
		const fake = fakeExecute({
			params: {
				resource: 'recurringPost',
				operation: 'getOccurrences',
				recurringPostId: 'rec_1',
				limit: 5,
			},
			routes: [
				on('GET', '/v1/recurring-posts/rec_1/occurrences', () => ({
					statusCode: 200,
					body: { count: 2, data: occurrences },
				})),
			],
		});
		expect((await run(fake)).map((o) => o.json)).toEqual(occurrences);
		expect(fake.calls[0]!.qs).toEqual({ limit: 5 });

		const pause = fakeExecute({
			params: { resource: 'recurringPost', operation: 'pause', recurringPostId: 'rec_1' },
			routes: [
				on('POST', '/v1/recurring-posts/rec_1/pause', () => ({
					statusCode: 200,
					body: { ...recurring, status: 'paused' },
				})),
			],
		});
		expect((await run(pause))[0]!.json).toMatchObject({ status: 'paused' });
	});
});

describe('Account: Connect and the account helpers', () => {
	test('Connect posts the platform and options to /v1/accounts/connect and outputs the auth_url', async () => {
		const started = {
			auth_url: 'https://pinterest.test/oauth/?state=s1',
			state: 's1',
			message: 'Open it',
		};
		const fake = fakeExecute({
			params: {
				resource: 'account',
				operation: 'connect',
				platform: 'pinterest',
				connectOptions: { redirectUri: 'https://app.test/back', state: 'mine' },
			},
			routes: [on('POST', '/v1/accounts/connect', () => ({ statusCode: 202, body: started }))],
		});
		expect(await run(fake)).toEqual([{ json: started, pairedItem: { item: 0 } }]);
		expect(fake.calls[0]!.body).toEqual({
			platform: 'pinterest',
			redirect_uri: 'https://app.test/back',
			state: 'mine',
		});
	});

	test('Connect with credentials sends the credentials, name, brand and metadata, and outputs the account', async () => {
		const connected = {
			account_id: 'acc_bsky',
			platform: 'bluesky',
			username: 'me.bsky.social',
			display_name: 'Me',
			profile_picture_url: null,
			created: true,
			metadata: { team: 'blue' },
		};
		const fake = fakeExecute({
			params: {
				resource: 'account',
				operation: 'connect',
				platform: 'bluesky',
				connectWith: 'credentials',
				credentialFields: {
					pairs: [
						{ key: ' identifier ', value: 'me.bsky.social' },
						{ key: 'app_password', value: 'abcd-efgh-ijkl-mnop' },
						{ key: '', value: 'ignored' },
					],
				},
				// Redirect URI and State belong to the consent page: not sent with credentials.
				connectOptions: {
					name: 'Me on Bluesky',
					brandId: 'brand_1',
					metadata: '{"team": "blue"}',
					redirectUri: 'https://app.test/back',
					state: 's',
				},
			},
			routes: [on('POST', '/v1/accounts/connect', () => ({ statusCode: 201, body: connected }))],
		});
		expect(await run(fake)).toEqual([{ json: connected, pairedItem: { item: 0 } }]);
		expect(fake.calls[0]!.body).toEqual({
			platform: 'bluesky',
			credentials: { identifier: 'me.bsky.social', app_password: 'abcd-efgh-ijkl-mnop' },
			name: 'Me on Bluesky',
			brand_id: 'brand_1',
			metadata: { team: 'blue' },
		});
	});

	test('Connect refuses no credentials and metadata that is not a JSON object, before any request; the consent page takes metadata too', async () => {
		const params = { resource: 'account', operation: 'connect', platform: 'mastodon' };
		for (const extra of [
			{ connectWith: 'credentials', credentialFields: {} },
			{ connectWith: 'credentials', credentialFields: { pairs: [{ key: 'access_token', value: 't' }] }, connectOptions: { metadata: '[1]' } },
		]) {
			const fake = fakeExecute({ params: { ...params, ...extra } });
			await expect(run(fake)).rejects.toThrow(NodeOperationError);
			expect(fake.calls).toEqual([]);
		}
		const oauth = fakeExecute({
			params: {
				...params,
				platform: 'twitter',
				connectWith: 'oauth',
				connectOptions: { metadata: { team: 'red' }, name: 'not sent' },
			},
			routes: [on('POST', '/v1/accounts/connect', () => ({ statusCode: 202, body: { auth_url: 'u', state: 's' } }))],
		});
		await run(oauth);
		expect(oauth.calls[0]!.body).toEqual({ platform: 'twitter', metadata: { team: 'red' } });
	});

	test.each([
		['getBoards', 'boards', { data: [{ board_id: 'b1' }, { board_id: 'b2' }] }, 2],
		['getPages', 'pages', { data: [{ id: 'p1' }] }, 1],
	])(
		'%s outputs one item per entry of GET /v1/accounts/{id}/%s',
		async (operation, path, answer, count) => {
			const fake = fakeExecute({
				params: { resource: 'account', operation, accountId: 'acc_1' },
				routes: [on('GET', `/v1/accounts/acc_1/${path}`, () => answer)],
			});
			const output = await run(fake);
			expect(output).toHaveLength(count);
			expect(output.map((o) => o.json)).toEqual((answer as { data: IDataObject[] }).data);
		},
	);

	test.each([
		[
			'getCreatorInfo',
			'creator-info',
			{ platform: 'tiktok', privacy_level_options: ['SELF_ONLY'] },
		],
		['getLimits', 'limits', { posts_remaining: 99 }],
	])('%s outputs GET /v1/accounts/{id}/%s as one item', async (operation, path, answer) => {
		const fake = fakeExecute({
			params: { resource: 'account', operation, accountId: 'acc_1' },
			routes: [on('GET', `/v1/accounts/acc_1/${path}`, () => answer)],
		});
		expect(await run(fake)).toEqual([{ json: answer, pairedItem: { item: 0 } }]);
	});

	test("a platform without the helper is Postflow's refusal, with its code", async () => {
		const fake = fakeExecute({
			params: { resource: 'account', operation: 'getBoards', accountId: 'acc_1' },
			routes: [
				on('GET', '/v1/accounts/acc_1/boards', () => ({
					statusCode: 501,
					body: {
						error: { code: 'resource.not_supported', message: 'tiktok accounts have no /boards' },
					},
				})),
			],
		});
		await expect(run(fake)).rejects.toThrow(NodeApiError);
	});

	const accounts = {
		data: [
			{ id: 'acc_pin', name: 'Pins', platform: 'pinterest' },
			{ id: 'acc_x', name: 'X', platform: 'twitter' },
			{ id: 'acc_pin2', name: 'Other pins', platform: 'pinterest' },
		],
	};

	test("the board picker lists the chosen Pinterest accounts' boards", async () => {
		const fake = fakeExecute({
			params: {},
			routes: [
				on('GET', '/v1/accounts', () => accounts),
				on('GET', '/v1/accounts/acc_pin/boards', () => ({
					data: [{ id: 'b1', board_id: 'b1', name: 'Recipes', privacy: 'PUBLIC' }],
				})),
			],
		});
		const context = {
			...(fake.context as unknown as IDataObject),
			getCurrentNodeParameter: (name: string) =>
				name === 'accountIds' ? ['acc_pin', 'acc_x'] : undefined,
		};
		const options = await new Postflow().methods.loadOptions.getBoards.call(
			context as unknown as ILoadOptionsFunctions,
		);
		expect(options).toEqual([{ name: 'Recipes (Pins)', value: 'b1' }]);
		// The unchosen Pinterest account's boards are not asked for.
		expect(fake.calls.map((c) => c.url)).not.toContain(
			'http://postflow.test/v1/accounts/acc_pin2/boards',
		);
	});

	test('Create gives the chosen board to the Pinterest targets only', async () => {
		const fake = fakeExecute({
			params: {
				resource: 'post',
				operation: 'create',
				mode: 'now',
				text: 'Soup',
				accountIds: ['acc_pin', 'acc_x'],
				options: { pinterestBoardId: 'b1' },
			},
			routes: [
				on('GET', '/v1/accounts', () => accounts),
				on('POST', '/v1/posts', () => ({ statusCode: 201, body: post('published') })),
			],
		});
		await run(fake);
		const created = fake.calls.find((c) => c.method === 'POST')!;
		expect(created.body).toMatchObject({
			targets: [{ account_id: 'acc_pin', board_id: 'b1' }, { account_id: 'acc_x' }],
		});
		expect((created.body as { targets: IDataObject[] }).targets[1]).not.toHaveProperty('board_id');
	});
});

describe('Post: Import and Get Import', () => {
	const report = (extra: IDataObject = {}) => ({
		id: 'imp_1',
		status: 'running',
		dry_run: false,
		counts: { total: 2, valid: 2, pending: 2, created: 0, duplicate: 0, failed: 0 },
		rows: [],
		errors: [],
		...extra,
	});
	const rows = [
		{ text: 'One', account_ids: ['acc_1'] },
		{ text: 'Two', account_ids: ['acc_1'], scheduled_at: '2030-01-01T09:00:00Z' },
	];

	test('Input Items sends every item as a row in one import, and outputs the report paired to all items', async () => {
		const fake = fakeExecute({
			items: rows,
			params: { resource: 'post', operation: 'import', importSource: 'items', dryRun: false },
			routes: [on('POST', '/v1/posts/import', () => ({ statusCode: 202, body: report() }))],
		});
		expect(await run(fake)).toEqual([
			{ json: report(), pairedItem: [{ item: 0 }, { item: 1 }] },
		]);
		expect(fake.calls).toHaveLength(1);
		expect(fake.calls[0]).toMatchObject({ method: 'POST', authenticated: true, body: rows });
		expect(fake.calls[0]!.qs).toBeUndefined();
	});

	test('Dry Run asks for dry_run=true; JSON Rows takes JSON text or an array, one import per item', async () => {
		const dry = report({ id: null, status: 'done', dry_run: true });
		const fake = fakeExecute({
			items: [{}, {}],
			params: [
				{
					resource: 'post',
					operation: 'import',
					importSource: 'json',
					jsonRows: JSON.stringify(rows),
					dryRun: true,
				},
				{ resource: 'post', operation: 'import', importSource: 'json', jsonRows: rows, dryRun: true },
			],
			routes: [on('POST', '/v1/posts/import', () => dry)],
		});
		expect((await run(fake)).map((o) => [o.json, o.pairedItem])).toEqual([
			[dry, { item: 0 }],
			[dry, { item: 1 }],
		]);
		expect(fake.calls.map((c) => [c.qs, c.body])).toEqual([
			[{ dry_run: 'true' }, rows],
			[{ dry_run: 'true' }, rows],
		]);
	});

	test('JSON Rows that are not an array are refused before any request', async () => {
		const fake = fakeExecute({
			params: { resource: 'post', operation: 'import', importSource: 'json', jsonRows: '{"text":"x"}' },
		});
		await expect(run(fake)).rejects.toThrow('JSON Rows is not a JSON array');
		expect(fake.calls).toEqual([]);
	});

	test('CSV is sent as text/csv, as written', async () => {
		const csv = 'text,account_ids\n"Hello, world",acc_1 acc_2\n';
		const fake = fakeExecute({
			params: { resource: 'post', operation: 'import', importSource: 'csv', csv, dryRun: false },
			routes: [on('POST', '/v1/posts/import', () => ({ statusCode: 202, body: report() }))],
		});
		expect(await run(fake)).toEqual([{ json: report(), pairedItem: { item: 0 } }]);
		expect(fake.calls[0]).toMatchObject({ body: csv, headers: { 'content-type': 'text/csv' } });
	});

	test("a malformed file is Postflow's refusal, with its code", async () => {
		const fake = fakeExecute({
			params: { resource: 'post', operation: 'import', importSource: 'csv', csv: 'nope\n' },
			routes: [
				on('POST', '/v1/posts/import', () => ({
					statusCode: 400,
					body: {
						error: { code: 'validation.body_invalid', message: 'The CSV has no text column.' },
					},
				})),
			],
		});
		await expect(run(fake)).rejects.toThrow('validation.body_invalid: The CSV has no text column.');
	});

	test('Get Import reads GET /v1/posts/imports/{id}', async () => {
		const done = report({ status: 'done' });
		const fake = fakeExecute({
			params: { resource: 'post', operation: 'getImport', importId: 'imp_1' },
			routes: [on('GET', '/v1/posts/imports/imp_1', () => done)],
		});
		expect(await run(fake)).toEqual([{ json: done, pairedItem: { item: 0 } }]);
	});
});

describe('Pages of multi-page accounts', () => {
	const accounts = {
		data: [
			{ id: 'acc_fb', name: 'Acme', platform: 'facebook', status: 'active', page_name: 'Acme' },
			{ id: 'acc_li', name: 'Ann', platform: 'linkedin_page', status: 'active', page_name: 'Acme Inc' },
			{ id: 'acc_pin', name: 'Pins', platform: 'pinterest', status: 'active', page_name: null },
			{ id: 'acc_x', name: 'X', platform: 'twitter', status: 'active', page_name: null },
		],
	};
	const pages: Record<string, IDataObject> = {
		acc_fb: {
			data: [
				{ id: '101', name: 'Acme', is_default: true },
				{ id: '102', name: 'Acme Labs', is_default: false },
			],
		},
		acc_li: { data: [{ id: '9001', name: 'Acme Inc', is_default: true }] },
	};
	const routes = [
		on('GET', '/v1/accounts', () => accounts),
		on('GET', /^\/v1\/accounts\/[^/]+\/pages$/, (call) => pages[call.url.split('/')[5]!]),
		on('POST', '/v1/posts', () => ({ statusCode: 201, body: post('published') })),
	];
	const withChosen = (fake: ReturnType<typeof fakeExecute>, chosen: string[]) =>
		({
			...(fake.context as unknown as IDataObject),
			getCurrentNodeParameter: (name: string) => (name === 'accountIds' ? chosen : undefined),
		}) as unknown as ILoadOptionsFunctions;

	test('the account picker names the default page of page accounts and the board a Pinterest account needs', async () => {
		const fake = fakeExecute({ params: {}, routes });
		const options = await new Postflow().methods.loadOptions.getAccounts.call(
			fake.context as unknown as ILoadOptionsFunctions,
		);
		expect(options.map((o) => o.name)).toEqual([
			'Acme (facebook) — Acme',
			'Ann (linkedin_page) — Acme Inc',
			'Pins (pinterest) — needs a board',
			'X (twitter)',
		]);
		expect(options[0]!.description).toContain('default page');
	});

	test("the page picker lists the chosen page accounts' pages, marking the default", async () => {
		const fake = fakeExecute({ params: {}, routes });
		const options = await new Postflow().methods.loadOptions.getPages.call(
			withChosen(fake, ['acc_fb', 'acc_x']),
		);
		expect(options).toEqual([
			{ name: 'Acme (Acme, default)', value: 'acc_fb:101' },
			{ name: 'Acme Labs (Acme)', value: 'acc_fb:102' },
		]);
		expect(fake.calls.map((c) => c.url)).not.toContain('http://postflow.test/v1/accounts/acc_li/pages');
	});

	const create = (pageIds: string[]) =>
		fakeExecute({
			params: {
				resource: 'post',
				operation: 'create',
				mode: 'now',
				text: 'Hi',
				accountIds: ['acc_fb', 'acc_li', 'acc_x'],
				options: { pageIds },
			},
			routes,
		});
	const targetsSent = (fake: ReturnType<typeof fakeExecute>) =>
		(fake.calls.find((c) => c.method === 'POST')!.body as { targets: IDataObject[] }).targets;

	test("Create gives each picked page to its account's target only, asking no page list", async () => {
		const fake = create(['acc_fb:102']);
		await run(fake);
		expect(targetsSent(fake)).toEqual([
			{ account_id: 'acc_fb', page_id: '102' },
			{ account_id: 'acc_li' },
			{ account_id: 'acc_x' },
		]);
		expect(fake.calls.map((c) => c.method)).toEqual(['POST']);
	});

	test("a bare page ID goes to the chosen account whose pages include it; a page of none is refused", async () => {
		const fake = create(['9001']);
		await run(fake);
		expect(targetsSent(fake)).toEqual([
			{ account_id: 'acc_fb' },
			{ account_id: 'acc_li', page_id: '9001' },
			{ account_id: 'acc_x' },
		]);
		const unknown = create(['555']);
		await expect(run(unknown)).rejects.toThrow('is not a page of the accounts chosen');
		expect(unknown.calls.some((c) => c.method === 'POST')).toBe(false);
		const two = create(['acc_fb:101', 'acc_fb:102']);
		await expect(run(two)).rejects.toThrow('Two pages chosen');
	});
});
