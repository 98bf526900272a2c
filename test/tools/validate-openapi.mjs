// Validates an OpenAPI document (JSON on stdin) with @seriousme/openapi-schema-validator, an ES
// module that jest's CommonJS runtime cannot load; prints { valid, errors } as JSON.
import { Validator } from '@seriousme/openapi-schema-validator';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const result = await new Validator().validate(JSON.parse(Buffer.concat(chunks).toString('utf8')));
process.stdout.write(JSON.stringify({ valid: result.valid, errors: result.errors ?? [] }));
