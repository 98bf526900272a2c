import type { IDataObject } from 'n8n-workflow';
import { WAIT_INDEFINITELY } from 'n8n-workflow';
import { Postflow } from '../nodes/Postflow/Postflow.node';
import { type CustomDataShape, fakeExecute, fakeWebhook, on } from './fake-n8n';

const post = (status: string) => ({ id: 'post_1', status, targets: [] });

const createAndWait = {
	resource: 'post',
	operation: 'create',
	mode: 'schedule',
	accountIds: ['acc_1'],
	text: 'Hello',
	scheduledAt: '2030-01-01T10:00:00Z',
	waitForCompletion: true,
	options: {},
};

/** Runs Create with Wait for Completion: the callback URL Postflow got and the saved custom data. */
async function waitingExecutionOn(customDataShape: CustomDataShape) {
	const fake = fakeExecute({
		params: createAndWait,
		routes: [on('POST', '/v1/posts', () => post('scheduled'))],
		customDataShape,
	});
	await new Postflow().execute.call(fake.context);
	expect(fake.waits).toEqual([WAIT_INDEFINITELY]);
	const url = new URL(String((fake.calls[0].body as IDataObject).callback_url));
	return {
		token: String(url.searchParams.get('postflow_token')),
		customData: Object.fromEntries(fake.customData),
		customDataShape,
		idempotencyKey: (fake.calls[0].headers as IDataObject)['Idempotency-Key'],
	};
}

/** Postflow's callback as it arrives: the post id added to the URL, the event in the body. */
async function callBack(
	execution: {
		token: string;
		customData: Record<string, string>;
		customDataShape: CustomDataShape;
	},
	{
		token = execution.token,
		queryPostId = 'post_1',
		event = 'post.published',
		eventPostId = 'post_1',
		current = 'published',
	} = {},
) {
	const fake = fakeWebhook({
		query: { postflow_token: token, post_id: queryPostId },
		body: { event, data: { post_id: eventPostId, status: current } },
		customData: execution.customData,
		customDataShape: execution.customDataShape,
		routes: [on('GET', '/v1/posts/post_1', () => post(current))],
	});
	const result = await new Postflow().webhook.call(fake.context);
	return { result, answered: fake.answered, calls: fake.calls };
}

describe.each(['current', '2.8'] as const)(
	'Wait for Completion on %s n8n: the callback',
	(shape) => {
		const waitingExecution = () => waitingExecutionOn(shape);

		test('the callback URL carries a random token per execution, kept with the post id in the execution', async () => {
			const first = await waitingExecution();
			const second = await waitingExecution();
			expect(first.token).toMatch(/^[0-9a-f]{64}$/);
			expect(second.token).not.toBe(first.token);
			// The token is not part of the derived idempotency key: a re-run still makes one post.
			expect(second.idempotencyKey).toBe(first.idempotencyKey);
			expect(JSON.parse(first.customData.postflow_callback)).toEqual({
				token: first.token,
				post_id: 'post_1',
			});
		});

		test("Postflow's final event with the token resumes the execution with the post read fresh", async () => {
			const { result, calls } = await callBack(await waitingExecution());
			expect(result.workflowData).toEqual([[{ json: post('published') }]]);
			expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
				'GET http://postflow.test/v1/posts/post_1',
			]);
		});

		test('a cancelled post (post.deleted) resumes it too', async () => {
			const { result } = await callBack(await waitingExecution(), {
				event: 'post.deleted',
				current: 'cancelled',
			});
			expect(result.workflowData).toEqual([[{ json: post('cancelled') }]]);
		});

		test('a wrong or missing token is answered 401 and does not resume, without reading the post', async () => {
			const execution = await waitingExecution();
			for (const token of ['0'.repeat(64), '', 'short']) {
				const { result, answered, calls } = await callBack(execution, { token });
				expect(result).toEqual({ noWebhookResponse: true });
				expect(answered.status).toBe(401);
				expect(calls).toEqual([]);
			}
			// Another execution's token does not resume this one.
			const other = await waitingExecution();
			const { result } = await callBack(execution, { token: other.token });
			expect(result.workflowData).toBeUndefined();
			// An execution that saved no callback data accepts no token.
			const { answered } = await callBack({ ...execution, customData: {} });
			expect(answered.status).toBe(401);
		});

		test('another post id, in the URL or in the event, is answered 409 and does not resume', async () => {
			const execution = await waitingExecution();
			for (const ids of [{ queryPostId: 'post_2' }, { eventPostId: 'post_2' }]) {
				const { result, answered, calls } = await callBack(execution, ids);
				expect(result).toEqual({ noWebhookResponse: true });
				expect(answered).toEqual({
					status: 409,
					body: { received: false, error: 'This execution waits for post post_1.' },
				});
				expect(calls).toEqual([]);
			}
		});

		test('a non-final event is accepted without resuming', async () => {
			const execution = await waitingExecution();
			for (const event of ['post.scheduled', 'post.updated', 'post.retried', 'webhook.test']) {
				const { result, calls } = await callBack(execution, { event });
				expect(result.workflowData).toBeUndefined();
				expect(result.webhookResponse).toEqual({
					received: true,
					resumed: false,
					reason: `${event} is not a final event.`,
				});
				expect(calls).toEqual([]);
			}
		});

		test('a final event for a post that is no longer final (retried since) does not resume', async () => {
			const { result } = await callBack(await waitingExecution(), {
				event: 'post.failed',
				current: 'publishing',
			});
			expect(result.workflowData).toBeUndefined();
			expect(result.webhookResponse).toMatchObject({ resumed: false });
		});

		test('when n8n cannot keep the token (custom data full), the item is refused before posting', async () => {
			const fake = fakeExecute({
				params: createAndWait,
				routes: [on('POST', '/v1/posts', () => post('scheduled'))],
				customDataShape: shape,
			});
			// n8n ignores an 11th key silently.
			if (shape === 'current') {
				(fake.context as unknown as { customData: { set(): void } }).customData.set = () =>
					undefined;
			}
			const proxy = fake.context.getWorkflowDataProxy.bind(fake.context);
			fake.context.getWorkflowDataProxy = (i: number) => {
				const data = proxy(i);
				if (shape === '2.8') data.$execution.customData.set = () => undefined;
				return data;
			};
			await expect(new Postflow().execute.call(fake.context)).rejects.toThrow(
				"could not keep its callback token in the execution's custom data",
			);
			expect(fake.calls).toEqual([]);
			expect(fake.waits).toEqual([]);
		});
	},
);
