import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { ensureSearchAttributes } from '../../runtime/search-attributes';
import { POST_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';

const IndexedValueType = temporal.api.enums.v1.IndexedValueType;

/** An operator service that has no custom attributes yet and records what it is asked to add. */
function fakeConnection(added: Array<Record<string, number>>): Connection {
  return {
    operatorService: {
      listSearchAttributes: async () => ({ customAttributes: {}, systemAttributes: {} }),
      addSearchAttributes: async (request: { searchAttributes: Record<string, number> }) => {
        added.push(request.searchAttributes);
        return {};
      },
    },
  } as unknown as Connection;
}

test('every Postflow search attribute is registered with a real indexed type (a cluster refuses UNSPECIFIED)', async () => {
  const added: Array<Record<string, number>> = [];
  const names = await ensureSearchAttributes(fakeConnection(added), 'ns', POST_SEARCH_ATTRIBUTES);
  expect(names).toEqual(POST_SEARCH_ATTRIBUTES.map((key) => key.name));
  expect(added).toHaveLength(1);
  expect(added[0].PostflowText).toBe(IndexedValueType.INDEXED_VALUE_TYPE_TEXT);
  for (const [name, type] of Object.entries(added[0])) {
    expect([name, type]).not.toEqual([name, undefined]);
    expect([name, type]).not.toEqual([name, IndexedValueType.INDEXED_VALUE_TYPE_UNSPECIFIED]);
  }
});
