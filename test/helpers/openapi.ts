import Ajv2020 from 'ajv/dist/2020';
import type { HttpResponse } from './stack';

type OpenApiDoc = {
  paths: Record<string, Record<string, { responses?: Record<string, OpenApiAnswer> }>>;
  components: { schemas: Record<string, object> };
};
type OpenApiAnswer = { content?: Record<string, { schema?: object }> };

const DOC_ID = 'openapi.json';
/** A JSON pointer into the document (`/` and `~` escaped as RFC 6901 says). */
const pointer = (...parts: string[]) =>
  `${DOC_ID}#/${parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;

/** The running API's own `/openapi.json`, ready to validate against (its `$ref`s resolve inside it). */
async function loadDocument(baseUrl: string): Promise<{ doc: OpenApiDoc; ajv: Ajv2020 }> {
  const doc = (await (await fetch(`${baseUrl}/openapi.json`)).json()) as OpenApiDoc;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema(doc, DOC_ID);
  return { doc, ajv };
}

function expectValid(ajv: Ajv2020, label: string, ref: string, value: unknown): void {
  const validate = ajv.getSchema(ref) ?? ajv.compile({ $ref: ref });
  expect([label, validate(value), validate.errors ?? null]).toEqual([label, true, null]);
}

/**
 * Checks real answers against the running API's own `/openapi.json`: `check('Media', body)`
 * fails the test with ajv's errors when the body does not match the named component schema.
 */
export async function openApiChecker(baseUrl: string): Promise<(name: string, value: unknown) => void> {
  const { doc, ajv } = await loadDocument(baseUrl);
  return (name, value) => {
    if (!doc.components.schemas[name]) throw new Error(`No schema ${name} in /openapi.json`);
    expectValid(ajv, name, pointer('components', 'schemas', name), value);
  };
}

/**
 * Checks whole answers against the operation that served them: `answer('GET /v1/posts/{id}', res)`
 * fails unless the document lists `res.status` for that operation and the body matches the
 * schema it gives for that status, field by field (every schema is closed, so an extra field fails
 * too). `unchecked()` lists the documented JSON success answers no call has checked yet, so a test
 * can prove it saw every one of them.
 */
export async function openApiAnswers(baseUrl: string) {
  const { doc, ajv } = await loadDocument(baseUrl);
  const checked = new Set<string>();
  const answer = (operation: string, response: HttpResponse) => {
    const [method, path] = operation.split(' ') as [string, string];
    const documented = doc.paths[path]?.[method.toLowerCase()]?.responses?.[String(response.status)];
    const label = `${operation} → ${response.status}`;
    expect([label, documented ? 'documented' : 'not documented']).toEqual([label, 'documented']);
    const mediaType = Object.keys(documented!.content ?? {})[0];
    if (mediaType === 'application/json') {
      expectValid(
        ajv,
        `${label}: ${JSON.stringify(response.body).slice(0, 300)}`,
        pointer(
          'paths',
          path,
          method.toLowerCase(),
          'responses',
          String(response.status),
          'content',
          mediaType,
          'schema',
        ),
        response.body,
      );
    }
    checked.add(label);
    return response;
  };
  const unchecked = () =>
    Object.entries(doc.paths)
      .flatMap(([path, item]) =>
        Object.entries(item)
          .filter(([method]) => method !== 'parameters')
          .flatMap(([method, op]) =>
            Object.entries(op.responses ?? {})
              .filter(([status, a]) => status.startsWith('2') && a.content?.['application/json'])
              .map(([status]) => `${method.toUpperCase()} ${path} → ${status}`),
          ),
      )
      .filter((label) => !checked.has(label));
  return { answer, unchecked };
}
