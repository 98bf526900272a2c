import Ajv2020 from 'ajv/dist/2020';

/**
 * Checks real answers against the running API's own `/openapi.json`: `check('Media', body)`
 * fails the test with ajv's errors when the body does not match the named component schema.
 */
export async function openApiChecker(baseUrl: string): Promise<(name: string, value: unknown) => void> {
  const doc = (await (await fetch(`${baseUrl}/openapi.json`)).json()) as {
    components: { schemas: Record<string, object> };
  };
  const ajv = new Ajv2020({ strict: false });
  for (const [name, schema] of Object.entries(doc.components.schemas))
    ajv.addSchema(schema, `#/components/schemas/${name}`);
  return (name, value) => {
    const validate = ajv.getSchema(`#/components/schemas/${name}`);
    if (!validate) throw new Error(`No schema ${name} in /openapi.json`);
    expect([name, validate(value), validate.errors ?? null]).toEqual([name, true, null]);
  };
}
