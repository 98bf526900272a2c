import type {
	IDataObject,
	IExecuteFunctions,
	IHttpRequestOptions,
	INode,
	IWebhookFunctions,
} from 'n8n-workflow';

/** One HTTP call the node made, as the fake received it. */
export interface Call {
	method: string;
	url: string;
	body?: unknown;
	qs?: IDataObject;
	headers?: IDataObject;
	authenticated: boolean;
}

type Answer = { statusCode: number; body: unknown; headers?: IDataObject };
type Route = (call: Call) => Answer | undefined;

export const node: INode = {
	id: 'node-1234',
	name: 'Postflow',
	type: 'n8n-nodes-postflow.postflow',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};

/**
 * Where an n8n offers the execution's custom data. Current n8n (2.41) gives every context a
 * `customData` of its own, and its default expression engine (isolated-vm) cannot call
 * `$execution.customData.get()`; n8n 2.8 has no `customData` on the context and offers it only
 * through `$execution` (the workflow data proxy in execute(), an expression in webhook()).
 */
export type CustomDataShape = 'current' | '2.8';

/**
 * A small fake of n8n's execute functions: parameters per item, the credential, and HTTP answered
 * by routes (the first route that returns an answer wins; anything else is a 404).
 */
export function fakeExecute(options: {
	items?: IDataObject[];
	params: IDataObject | IDataObject[];
	routes?: Route[];
	continueOnFail?: boolean;
	binary?: { data: Buffer; mimeType: string; fileName: string };
	customDataShape?: CustomDataShape;
}) {
	const calls: Call[] = [];
	const waits: Date[] = [];
	const items = (options.items ?? [{}]).map((json) => ({
		json,
		...(options.binary
			? {
					binary: {
						data: {
							data: '',
							mimeType: options.binary.mimeType,
							fileName: options.binary.fileName,
						},
					},
				}
			: {}),
	}));
	const request = fakeHttp(calls, options.routes ?? []);
	const customData = new Map<string, string>();
	const store = {
		set: (key: string, value: string) => customData.set(key, value),
		get: (key: string) => customData.get(key),
	};
	const current = options.customDataShape === 'current';
	const context = {
		...(current ? { customData: store } : {}),
		getInputData: () => items,
		getNodeParameter: (name: string, i: number, fallback?: unknown) => {
			const params = Array.isArray(options.params) ? options.params[i] : options.params;
			return name in params ? params[name] : fallback;
		},
		getNode: () => node,
		getWorkflow: () => ({ id: 'wf-1', name: 'Test', active: false }),
		getCredentials: async () => ({ baseUrl: 'http://postflow.test/', apiKey: 'sapi_key_test' }),
		continueOnFail: () => options.continueOnFail ?? false,
		evaluateExpression: (expression: string) => {
			if (expression.includes('$execution.resumeUrl'))
				return 'http://n8n.test/webhook-waiting/77?signature=abc';
			throw new Error(`unexpected expression ${expression}`);
		},
		getWorkflowDataProxy: () => ({ $execution: current ? {} : { customData: store } }),
		putExecutionToWait: async (until: Date) => {
			waits.push(until);
		},
		helpers: {
			httpRequestWithAuthentication: async function (
				this: unknown,
				credential: string,
				req: IHttpRequestOptions,
			) {
				if (credential !== 'postflowApi') throw new Error(`unexpected credential ${credential}`);
				return request(true)(req);
			},
			httpRequest: request(false),
			assertBinaryData: () => ({
				mimeType: options.binary?.mimeType,
				fileName: options.binary?.fileName,
			}),
			getBinaryDataBuffer: async () => options.binary!.data,
		},
	};
	return { context: context as unknown as IExecuteFunctions, calls, waits, customData };
}

/** The HTTP side of the fakes: records each call and answers it from the routes. */
function fakeHttp(calls: Call[], routes: Route[]) {
	const answer = (call: Call) => {
		calls.push(call);
		for (const route of routes) {
			const found = route(call);
			if (found) return found;
		}
		return {
			statusCode: 404,
			body: {
				error: { code: 'resource.not_found', message: `no route ${call.method} ${call.url}` },
			},
		};
	};
	const request = (authenticated: boolean) => async (req: IHttpRequestOptions) => {
		const url = `${req.baseURL ?? ''}${req.url}`;
		const response = answer({
			method: req.method ?? 'GET',
			url,
			body: req.body,
			qs: req.qs,
			headers: req.headers as IDataObject,
			authenticated,
		});
		if (req.returnFullResponse) return { ...response, headers: response.headers ?? {} };
		return response.body;
	};
	return request;
}

/**
 * A small fake of n8n's webhook functions for a resumed execution: the request's query and body,
 * the execution's custom data (as `customDataShape` offers it), and what the node answered
 * through the response object.
 */
export function fakeWebhook(options: {
	query?: IDataObject;
	body?: IDataObject;
	customData?: Record<string, string>;
	routes?: Route[];
	customDataShape?: CustomDataShape;
}) {
	const calls: Call[] = [];
	const request = fakeHttp(calls, options.routes ?? []);
	const answered: { status?: number; body?: unknown } = {};
	const response = {
		status(code: number) {
			answered.status = code;
			return response;
		},
		json(body: unknown) {
			answered.body = body;
			return response;
		},
	};
	const current = options.customDataShape === 'current';
	const saved = (key: string) => options.customData?.[key];
	const context = {
		...(current ? { customData: { get: saved, set: () => undefined } } : {}),
		getQueryData: () => options.query ?? {},
		getBodyData: () => options.body ?? {},
		getResponseObject: () => response,
		getNode: () => node,
		getCredentials: async () => ({ baseUrl: 'http://postflow.test/', apiKey: 'sapi_key_test' }),
		evaluateExpression: (expression: string) => {
			const key = /\$execution\.customData\.get\("(\w+)"\)/.exec(expression)?.[1];
			if (!key || current) throw new Error(`unexpected expression ${expression}`);
			return saved(key);
		},
		helpers: {
			httpRequestWithAuthentication: async function (
				this: unknown,
				credential: string,
				req: IHttpRequestOptions,
			) {
				if (credential !== 'postflowApi') throw new Error(`unexpected credential ${credential}`);
				return request(true)(req);
			},
		},
	};
	return { context: context as unknown as IWebhookFunctions, calls, answered };
}

/** A route answering `method path` (path without the base URL and query). */
export function on(
	method: string,
	path: string | RegExp,
	reply: (call: Call) => Answer | unknown,
): Route {
	return (call) => {
		const target = call.url.replace('http://postflow.test', '');
		const matches = typeof path === 'string' ? target === path : path.test(target);
		if (call.method !== method || !matches) return undefined;
		const result = reply(call);
		return result && typeof result === 'object' && 'statusCode' in (result as object)
			? (result as Answer)
			: { statusCode: 200, body: result };
	};
}
