import { createHmac } from 'node:crypto';
import type { IDataObject, IHookFunctions, IWebhookFunctions } from 'n8n-workflow';
import { PostflowTrigger } from '../nodes/PostflowTrigger/PostflowTrigger.node';
import { fakeExecute, on } from './fake-n8n';

const hookUrl = 'http://n8n.test/webhook/abc/webhook';

/** The execute fake, plus what hooks and webhooks use: static data, the webhook URL, the request. */
function fakeHooks(
	routes: Parameters<typeof fakeExecute>[0]['routes'],
	request: { body?: unknown; headers?: IDataObject; raw?: string; query?: IDataObject } = {},
) {
	const fake = fakeExecute({ params: { events: ['post.published', 'post.failed'] }, routes });
	const state: IDataObject = {};
	const response = { status: 200, payload: undefined as unknown };
	const context = Object.assign(fake.context, {
		getWorkflowStaticData: () => state,
		getNodeWebhookUrl: () => hookUrl,
		getBodyData: () => request.body,
		getHeaderData: () => request.headers ?? {},
		getQueryData: () => request.query ?? {},
		getRequestObject: () => ({
			rawBody: request.raw !== undefined ? Buffer.from(request.raw) : undefined,
		}),
		getResponseObject: () => ({
			status(code: number) {
				response.status = code;
				return { json: (payload: unknown) => (response.payload = payload) };
			},
		}),
	});
	(context.helpers as unknown as IDataObject).returnJsonArray = (items: IDataObject[]) =>
		items.map((json) => ({ json }));
	return {
		...fake,
		state,
		response,
		hooks: context as unknown as IHookFunctions,
		webhook: context as unknown as IWebhookFunctions,
	};
}

const signed = (secret: string, raw: string, timestamp = Math.floor(Date.now() / 1000)) => ({
	'x-socialapi-signature-v2': `sha256=${createHmac('sha256', secret).update(`${timestamp}.${raw}`).digest('hex')}`,
	'x-socialapi-timestamp': String(timestamp),
});

describe('Postflow Trigger', () => {
	const methods = new PostflowTrigger().webhookMethods.default;

	test('activation registers the URL with the chosen events and keeps the secret; deactivation removes it', async () => {
		const fake = fakeHooks([
			on('POST', '/v1/webhooks', (call) => ({
				statusCode: 201,
				body: { id: 'wh_1', url: (call.body as IDataObject).url, secret: 's3cret' },
			})),
			on('GET', '/v1/webhooks/wh_1', () => ({
				id: 'wh_1',
				url: hookUrl,
				events: ['post.failed', 'post.published'],
			})),
			on('DELETE', '/v1/webhooks/wh_1', () => ({ success: true })),
		]);
		expect(await methods.checkExists.call(fake.hooks)).toBe(false);
		expect(await methods.create.call(fake.hooks)).toBe(true);
		expect(fake.calls[0].body).toEqual({ url: hookUrl, events: ['post.published', 'post.failed'] });
		expect(fake.state).toEqual({ webhookId: 'wh_1', secret: 's3cret' });
		expect(await methods.checkExists.call(fake.hooks)).toBe(true);
		// The events were edited since: the registration no longer fits.
		const changed = fakeHooks([
			on('GET', '/v1/webhooks/wh_1', () => ({ id: 'wh_1', url: hookUrl, events: ['post.failed'] })),
		]);
		changed.state.webhookId = 'wh_1';
		expect(await methods.checkExists.call(changed.hooks)).toBe(false);
		expect(await methods.delete.call(fake.hooks)).toBe(true);
		expect(fake.state).toEqual({});
	});

	test('an endpoint deleted on the Postflow side counts as absent, and deleting it again is fine', async () => {
		const fake = fakeHooks([]);
		fake.state.webhookId = 'wh_gone';
		expect(await methods.checkExists.call(fake.hooks)).toBe(false);
		fake.state.webhookId = 'wh_gone';
		expect(await methods.delete.call(fake.hooks)).toBe(true);
	});

	test('a signed event starts the workflow; a bad signature is refused with 401; the test ping starts nothing', async () => {
		const event = { event: 'post.published', data: { post_id: 'post_1', status: 'published' } };
		const raw = JSON.stringify(event);
		const good = fakeHooks([], { body: event, raw, headers: signed('s3cret', raw) });
		good.state.secret = 's3cret';
		expect(await new PostflowTrigger().webhook.call(good.webhook)).toEqual({
			webhookResponse: { received: true },
			workflowData: [
				[{ json: { event: 'post.published', post_id: 'post_1', status: 'published' } }],
			],
		});

		const forged = fakeHooks([], { body: event, raw, headers: signed('other', raw) });
		forged.state.secret = 's3cret';
		expect(await new PostflowTrigger().webhook.call(forged.webhook)).toEqual({
			noWebhookResponse: true,
		});
		expect(forged.response.status).toBe(401);

		const stale = fakeHooks([], {
			body: event,
			raw,
			headers: signed('s3cret', raw, Math.floor(Date.now() / 1000) - 3600),
		});
		stale.state.secret = 's3cret';
		expect(await new PostflowTrigger().webhook.call(stale.webhook)).toEqual({
			noWebhookResponse: true,
		});

		// The untimed v1 signature alone is not accepted: it could be replayed.
		const v1 = `sha256=${createHmac('sha256', 's3cret').update(raw).digest('hex')}`;
		const replayable = fakeHooks([], {
			body: event,
			raw,
			headers: { 'x-socialapi-signature': v1 },
		});
		replayable.state.secret = 's3cret';
		expect(await new PostflowTrigger().webhook.call(replayable.webhook)).toEqual({
			noWebhookResponse: true,
		});

		const ping = fakeHooks([], { body: { event: 'webhook.test', data: {} } });
		expect(await new PostflowTrigger().webhook.call(ping.webhook)).toEqual({
			webhookResponse: { received: true },
		});
	});
});
