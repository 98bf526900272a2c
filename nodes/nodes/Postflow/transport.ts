import type {
	IDataObject,
	IExecuteFunctions,
	IHookFunctions,
	IHttpRequestMethods,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	IN8nHttpFullResponse,
	IWebhookFunctions,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

type PostflowContext =
	| IExecuteFunctions
	| ILoadOptionsFunctions
	| IHookFunctions
	| IWebhookFunctions;

export interface PostflowRequestOptions {
	/** A JSON object or array; a string is sent as is (with the content-type in `headers`). */
	body?: IDataObject | IDataObject[] | string;
	qs?: IDataObject;
	headers?: IDataObject;
	itemIndex?: number;
	/**
	 * Publishing calls answer 422 `publishing.delivery.all_failed` with the post in the error:
	 * for them that is a result (a failed post), not a failed request.
	 */
	postOnAllFailed?: boolean;
}

/** The error body of Postflow's API: `{ error: { code, message, meta }, request_id }`. */
interface PostflowErrorBody {
	error?: { code?: string; message?: string; meta?: IDataObject };
	request_id?: string;
}

/**
 * The only place that calls Postflow. Every request carries the credential's key; every answer
 * is checked to be Postflow's JSON, and every refusal becomes a NodeApiError with the contract's
 * code and message, so the user reads what to fix.
 */
export async function postflowRequest(
	this: PostflowContext,
	method: IHttpRequestMethods,
	path: string,
	options: PostflowRequestOptions = {},
): Promise<IDataObject> {
	const credentials = await this.getCredentials('postflowApi');
	const request: IHttpRequestOptions = {
		method,
		baseURL: String(credentials.baseUrl).replace(/\/+$/, ''),
		url: path,
		json: true,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		...(options.body ? { body: options.body } : {}),
		...(options.qs ? { qs: options.qs } : {}),
		...(options.headers ? { headers: options.headers } : {}),
	};
	const response = (await this.helpers.httpRequestWithAuthentication.call(
		this,
		'postflowApi',
		request,
	)) as IN8nHttpFullResponse;
	const body = response.body as IDataObject | string | undefined;
	if (response.statusCode === 204) return { success: true };
	if (typeof body !== 'object' || body === null) {
		throw new NodeApiError(this.getNode(), { status: response.statusCode } as JsonObject, {
			message: `The Base URL answered ${response.statusCode} without Postflow's JSON`,
			description: 'Check the Base URL of the Postflow API credential (it should not end in /v1).',
			httpCode: String(response.statusCode),
			...(options.itemIndex !== undefined ? { itemIndex: options.itemIndex } : {}),
		});
	}
	if (response.statusCode < 400) return body;

	const { error, request_id: requestId } = body as PostflowErrorBody;
	if (
		options.postOnAllFailed &&
		error?.code === 'publishing.delivery.all_failed' &&
		error.meta?.post
	) {
		return error.meta.post as IDataObject;
	}
	const hints = [
		error?.meta?.field ? `Field: ${String(error.meta.field)}.` : '',
		...((error?.meta?.errors as IDataObject[] | undefined) ?? [])
			.slice(0, 10)
			.map((issue) => `${String(issue.field)}: ${String(issue.message)}`),
		requestId ? `Postflow request id: ${requestId}.` : '',
	].filter(Boolean);
	throw new NodeApiError(this.getNode(), body as JsonObject, {
		message: error?.code
			? `${error.code}: ${error.message ?? ''}`
			: `Postflow answered ${response.statusCode}`,
		description: hints.join(' '),
		httpCode: String(response.statusCode),
		...(options.itemIndex !== undefined ? { itemIndex: options.itemIndex } : {}),
	});
}
