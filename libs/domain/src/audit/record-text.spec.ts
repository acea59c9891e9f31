import { fieldName, jsonTextProblems, MAX_JSON_DEPTH, unfitText } from './record-text';

describe('the text the record accepts', () => {
  it('refuses a NUL and an unpaired surrogate, high or low, anywhere in a text', () => {
    for (const text of ['\u0000', 'a\u0000', '\ud800', 'x\udc00', '\udbffx', 'a\udc00\ud800b']) expect(unfitText(text)).toBeDefined();
  });

  it('takes any valid Unicode as it is: surrogate pairs, combining marks, U+FFFD, other controls', () => {
    for (const text of ['', 'plain', '\u{1F9EC}', 'Mu\u0308ller', '\ufffd', 'tab\there', '\u0001', '\uffff', '\ud83d\udc4d']) {
      expect(unfitText(text)).toBeUndefined();
    }
  });

  it('names each unfit value and key by its path, in the order of the body', () => {
    const body = { reason: 'a\u0000', data: { labs: { notes: ['ok', 'b\udc00'] }, 'k\u0000': 1 } };
    expect(jsonTextProblems(body)).toEqual([
      'reason: holds a NUL character (U+0000), which the record does not accept',
      'data["k\\u0000"] (a key): holds a NUL character (U+0000), which the record does not accept',
      'data.labs.notes.1: holds an unpaired surrogate (a lone U+D800–U+DFFF), which is not Unicode text',
    ]);
    expect(jsonTextProblems({ state: '\u0000' }, 'query')).toEqual(['query.state: holds a NUL character (U+0000), which the record does not accept']);
  });

  it(`takes ${MAX_JSON_DEPTH} levels of nesting and refuses ${MAX_JSON_DEPTH + 1}, counting objects and arrays alike`, () => {
    const nest = (levels: number) => {
      let value: unknown = 'leaf';
      for (let i = 0; i < levels; i++) value = i % 2 ? { k: value } : [value];
      return value;
    };
    expect(jsonTextProblems(nest(MAX_JSON_DEPTH))).toEqual([]);
    expect(jsonTextProblems(nest(MAX_JSON_DEPTH + 1))).toEqual([`0.k.0.k…: nests objects and arrays more than ${MAX_JSON_DEPTH} levels deep`]);
    expect(jsonTextProblems({ a: [1] }, undefined, 1)).toEqual(['a: nests objects and arrays more than 1 levels deep']);
  });

  it('walks a value nested a million deep without recursion', () => {
    let value: unknown = 0;
    for (let i = 0; i < 1_000_000; i++) value = [value];
    expect(jsonTextProblems(value)).toHaveLength(1);
  });

  it('stops at 20 problems', () => {
    expect(jsonTextProblems(Array.from({ length: 50 }, () => '\u0000'))).toHaveLength(20);
  });

  it('names fields as zod does, escaping keys that are not plain names', () => {
    expect(fieldName([])).toBe('body');
    expect(fieldName(['data', 'labs', 'altXUln'])).toBe('data.labs.altXUln');
    expect(fieldName(['attestations', '0'])).toBe('attestations.0');
    expect(fieldName(['idempotency-key'])).toBe('idempotency-key');
    expect(fieldName(['data', 'a b'])).toBe('data["a b"]');
  });
});
