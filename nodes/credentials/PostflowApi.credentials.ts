import type {
	IAuthenticateGeneric,
	Icon,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

export class PostflowApi implements ICredentialType {
	name = 'postflowApi';

	displayName = 'Postflow API';

	icon: Icon = {
		light: 'file:../nodes/Postflow/postflow.svg',
		dark: 'file:../nodes/Postflow/postflow.dark.svg',
	};

	documentationUrl = 'https://github.com/postflow/postflow/tree/main/nodes#credentials';

	properties: INodeProperties[] = [
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'http://localhost:8080',
			placeholder: 'e.g. https://postflow.example.com',
			description: 'Where your Postflow HTTP API answers, without /v1',
			required: true,
		},
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			placeholder: 'e.g. sapi_key_0123…',
			description: 'A key made with "postflow keys create" (shown once when it is created)',
			required: true,
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.apiKey}}',
			},
		},
	};

	// GET /v1/me answers any valid key. A wrong key is a 401; a wrong URL that happens to answer 200
	// (a login page, another service) has no "service" field, which the rule turns into a failure.
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
			url: '/v1/me',
		},
		rules: [
			{
				type: 'responseSuccessBody',
				properties: {
					key: 'service',
					value: undefined,
					message: 'This URL does not answer like a Postflow API: check the Base URL.',
				},
			},
		],
	};
}
