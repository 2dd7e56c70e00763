import { callEntry, callIncludes, parseCallEntry } from '../../src/shared/batch/call-log';

it('writes a call of one run of indices as a range, and reads it back', () => {
  const indices = Array.from({ length: 1000 }, (_, i) => i);
  const entry = callEntry(1_765_000_000_000, 'default', indices, { kind: 'transient', code: '-18', reason: 'gateway busy' });
  expect(entry).toBe('1765000000000\tdefault\t0-999\ttransient\t-18\tgateway busy');
  const call = parseCallEntry(entry);
  expect(call).toEqual({
    at: 1_765_000_000_000,
    account: 'default',
    runs: [[0, 999]],
    verdict: 'transient',
    code: '-18',
    reason: 'gateway busy',
  });
  expect(callIncludes(call!, 0) && callIncludes(call!, 999) && !callIncludes(call!, 1000)).toBe(true);
});

it('keeps the indices a call left out (suppressed, split) out of its runs', () => {
  const call = parseCallEntry(callEntry(1, 'eu', [0, 1, 2, 4, 7, 8], { kind: 'number-refused', code: '-9', reason: 'refused' }))!;
  expect(call.runs).toEqual([
    [0, 2],
    [4, 4],
    [7, 8],
  ]);
  expect([0, 3, 4, 5, 8].map((i) => callIncludes(call, i))).toEqual([true, false, true, false, true]);
});

it('bounds a gateway reason and keeps its tabs and line breaks from cutting the entry', () => {
  const entry = callEntry(1, 'default', [3], { kind: 'permanent', code: '-7', reason: `bad\trequest\n${'x'.repeat(500)}`, bug: true });
  const call = parseCallEntry(entry)!;
  expect(call.reason.startsWith('bad request x')).toBe(true);
  expect(call.reason).toHaveLength(120);
});

it('reads an accepted call as status 0 with its count, and refuses entries it cannot read', () => {
  const accepted = callEntry(5, 'default', [0, 1], { kind: 'accepted', accepted: [], checks: {} as never });
  expect(parseCallEntry(accepted)).toMatchObject({ verdict: 'accepted', code: '0', reason: '0 accepted' });
  for (const bad of ['', 'x\tdefault\t0\taccepted\t0\t', '1\tdefault\t0-\taccepted\t0\t', '1\tdefault\t0\tmaybe\t0\t'])
    expect(parseCallEntry(bad)).toBeNull();
});
