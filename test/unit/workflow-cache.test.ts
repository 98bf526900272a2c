import {
  DEFAULT_MAX_CACHED_WORKFLOWS,
  maxCachedWorkflowsFrom,
  TEMPORAL_DEFAULT,
} from '../../worker/workflow-cache';

describe('POSTFLOW_MAX_CACHED_WORKFLOWS', () => {
  const from = (value?: string) => maxCachedWorkflowsFrom({ POSTFLOW_MAX_CACHED_WORKFLOWS: value });

  it('defaults to a bounded cache when unset or empty', () => {
    expect(maxCachedWorkflowsFrom({})).toBe(DEFAULT_MAX_CACHED_WORKFLOWS);
    expect(from('')).toBe(DEFAULT_MAX_CACHED_WORKFLOWS);
    expect(from('  ')).toBe(DEFAULT_MAX_CACHED_WORKFLOWS);
    expect(DEFAULT_MAX_CACHED_WORKFLOWS).toBeGreaterThanOrEqual(2);
  });

  it('takes a whole number, 0 (no cache), or Temporal’s own default', () => {
    expect(from('1000')).toBe(1000);
    expect(from(' 50 ')).toBe(50);
    expect(from('2')).toBe(2);
    expect(from('0')).toBe(0);
    expect(from('temporal-default')).toBe(TEMPORAL_DEFAULT);
  });

  it.each(['1', '-5', '2.5', '1e3', 'lots', 'unbounded', '0x10', '99999999999999999999'])(
    'refuses %p, naming the variable and what it takes',
    (value) => {
      expect(() => from(value)).toThrow(
        new RegExp(
          `POSTFLOW_MAX_CACHED_WORKFLOWS must be 0 \\(no cache\\), a whole number of at least 2.*got "${value.replace(/\./g, '\\.')}"`,
        ),
      );
    },
  );
});
