import {
  checkCampaignId,
  checkContent,
  checkOrderId,
  checkSenderId,
  generatedOrderId,
  RecipientValidator,
  rowProblem,
} from '../../../src/producer/validate';

describe('checkContent', () => {
  it('accepts text up to 1024 code points, an emoji counting one', () => {
    expect(checkContent('Hello')).toBeNull();
    expect(checkContent('x'.repeat(1024))).toBeNull();
    expect(checkContent('\u{1F600}'.repeat(1024))).toBeNull(); // 2048 UTF-16 units
  });

  it('counts a combining mark as a code point of its own', () => {
    const decomposed = 'e\u0301'; // "é" typed as e + combining acute accent
    expect(checkContent(decomposed.repeat(512))).toBeNull();
    expect(checkContent(decomposed.repeat(512) + 'x')).toBe('content has 1025 characters; the limit is 1024');
  });

  it('refuses text over 1024 code points, saying how long it is', () => {
    expect(checkContent('x'.repeat(1025))).toBe('content has 1025 characters; the limit is 1024');
  });

  it('refuses empty, blank and non-string content', () => {
    expect(checkContent('')).toBe('content is empty');
    expect(checkContent(' \n\t\u00a0')).toBe('content is empty');
    expect(checkContent(undefined)).toBe('content must be a string');
    expect(checkContent(42)).toBe('content must be a string');
  });
});

describe('checkSenderId', () => {
  it('accepts no senderId, and one of 1 to 32 code points', () => {
    expect(checkSenderId(undefined)).toBeNull();
    expect(checkSenderId('A')).toBeNull();
    expect(checkSenderId('Ü'.repeat(31) + '\u{1F600}')).toBeNull();
  });

  it('refuses an empty, too long, non-string or control-character senderId', () => {
    expect(checkSenderId('')).toBe('senderId is empty');
    expect(checkSenderId('x'.repeat(33))).toBe('senderId has 33 characters; the limit is 32');
    expect(checkSenderId(null)).toBe('senderId must be a string');
    expect(checkSenderId('Shop\nNews')).toBe('senderId must not contain control characters such as newlines or tabs');
  });
});

describe('checkOrderId', () => {
  it('accepts up to 64 code points of anything but commas and control characters', () => {
    expect(checkOrderId('order-1')).toBeNull();
    expect(checkOrderId('Bestellung Nr. 7 / Ü')).toBeNull();
    expect(checkOrderId('x'.repeat(64))).toBeNull();
    expect(checkOrderId('SMSQ-1')).toBeNull(); // the reserved prefix is lower case, as generated
  });

  it.each([
    ['', 'orderId is empty'],
    ['  ', 'orderId is empty'],
    ['x'.repeat(65), 'orderId has 65 characters; the limit is 64'],
    ['a,b', 'orderId must not contain a comma (orderIds are sent comma-separated)'],
    ['a\nb', 'orderId must not contain control characters such as newlines or tabs'],
    ['a\tb', 'orderId must not contain control characters such as newlines or tabs'],
    ['a\x7fb', 'orderId must not contain control characters such as newlines or tabs'],
    ['smsq-7', "orderIds starting with 'smsq-' are reserved for generated orderIds"],
  ])('refuses %j: %s', (orderId, reason) => {
    expect(checkOrderId(orderId)).toBe(reason);
  });

  it('reserves exactly the form of generated orderIds', () => {
    expect(generatedOrderId(12)).toBe('smsq-12');
    expect(checkOrderId(generatedOrderId(12))).not.toBeNull();
  });
});

describe('checkCampaignId', () => {
  it('accepts 1 to 64 letters, digits, underscores, dots and dashes', () => {
    expect(checkCampaignId('spring-sale_2025.v2')).toBeNull();
    expect(checkCampaignId('x'.repeat(64))).toBeNull();
  });

  it('refuses anything else, naming the rule', () => {
    expect(checkCampaignId('')).toBe('campaignId is empty');
    expect(checkCampaignId('x'.repeat(65))).toBe('campaignId has 65 characters; the limit is 64');
    expect(checkCampaignId('a:b')).toBe("campaignId may only contain letters, digits, '_', '.' and '-'");
    expect(checkCampaignId('größe')).toBe("campaignId may only contain letters, digits, '_', '.' and '-'");
    expect(checkCampaignId(7)).toBe('campaignId must be a string');
  });
});

describe('rowProblem', () => {
  it('shows long values cut to 100 characters, never inside a surrogate pair', () => {
    expect(rowProblem(1, 'x'.repeat(150), 'r').value).toBe(`${'x'.repeat(100)}…`);
    const value = rowProblem(1, `${'x'.repeat(99)}\u{1F600}yyy`, 'r').value;
    expect(value).toBe(`${'x'.repeat(99)}…`);
  });

  it('shows objects as JSON, and what JSON cannot show by its type', () => {
    expect(rowProblem(1, { number: 491701234567 }, 'r').value).toBe('{"number":491701234567}');
    expect(rowProblem(1, undefined, 'r').value).toBe('undefined');
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(rowProblem(1, cycle, 'r').value).toBe('[object Object]');
    expect(rowProblem(1, { n: 1n }, 'r').value).toBe('[object Object]');
  });
});

describe('RecipientValidator', () => {
  it('normalises the number and keeps the caller’s orderId', () => {
    const v = new RecipientValidator({});
    expect(v.check(1, { number: '+49 170 1234567', orderId: 'a-1' })).toMatchObject({
      kind: 'ok',
      recipient: { number: '491701234567', orderId: 'a-1' },
    });
  });

  it('generates the orderId from the row when none is given', () => {
    const v = new RecipientValidator({});
    expect(v.check(7, { number: '491701234567' })).toMatchObject({
      kind: 'ok',
      recipient: { number: '491701234567', orderId: 'smsq-7' },
    });
  });

  it.each<[unknown, string, string, string | undefined]>([
    [null, 'a recipient must be an object with a number and an optional orderId', 'null', undefined],
    ['491701234567', 'a recipient must be an object with a number and an optional orderId', '491701234567', undefined],
    [['491701234567'], 'a recipient must be an object with a number and an optional orderId', '["491701234567"]', undefined],
    [{}, 'number is missing', '{}', 'number'],
    [{ orderId: 'a' }, 'number is missing', '{"orderId":"a"}', 'number'],
    [
      { number: 491701234567 },
      'number must be a string (in JSON, put it in quotes to keep leading zeros)',
      '{"number":491701234567}',
      'number',
    ],
    [{ number: '12345' }, 'number has 5 digits; it needs 6 to 15', '12345', 'number'],
    [{ number: '491701234567', orderId: 5 }, 'orderId must be a string', '{"number":"491701234567","orderId":5}', 'orderId'],
    [{ number: '491701234567', orderId: null }, 'orderId must be a string', '{"number":"491701234567","orderId":null}', 'orderId'],
    [{ number: '491701234567', orderId: 'a,b' }, 'orderId must not contain a comma (orderIds are sent comma-separated)', 'a,b', 'orderId'],
    [
      { number: '491701234567', orderID: 'a' },
      "unknown field 'orderID'; a recipient has only number, orderId, fields and timezone",
      '{"number":"491701234567","orderID":"a"}',
      'orderID',
    ],
  ])('refuses %j: %s', (input, reason, value, field) => {
    const v = new RecipientValidator({});
    expect(v.check(3, input)).toEqual({
      kind: 'invalid',
      problem: field === undefined ? { row: 3, value, reason } : { row: 3, field, value, reason },
    });
    expect(v.invalid).toBe(1);
  });

  it('refuses an orderId used twice, naming the row that used it first', () => {
    const v = new RecipientValidator({});
    v.check(2, { number: '491701111111', orderId: 'a' });
    expect(v.check(5, { number: '491702222222', orderId: 'a' })).toEqual({
      kind: 'invalid',
      problem: { row: 5, field: 'orderId', value: 'a', reason: 'orderId a is already used on row 2' },
    });
  });

  it('skips a number already in the campaign, however it was written, and counts it', () => {
    const v = new RecipientValidator({});
    expect(v.check(1, { number: '+49 170 1234567' }).kind).toBe('ok');
    expect(v.check(2, { number: '0049-170-1234567' })).toEqual({ kind: 'duplicate', number: '491701234567' });
    expect([v.accepted, v.duplicates, v.invalid]).toEqual([1, 1, 0]);
  });

  it('still reserves the orderId of a row skipped as a duplicate number', () => {
    const v = new RecipientValidator({});
    v.check(1, { number: '491701234567', orderId: 'a' });
    expect(v.check(2, { number: '491701234567', orderId: 'b' }).kind).toBe('duplicate');
    const third = v.check(3, { number: '491709999999', orderId: 'b' });
    expect(third.kind === 'invalid' && third.problem.reason).toBe('orderId b is already used on row 2');
  });

  it('keeps numbers with leading zeros apart from the same digits without them', () => {
    const v = new RecipientValidator({});
    expect(v.check(1, { number: '1234567' }).kind).toBe('ok');
    expect(v.check(2, { number: '01234567' }).kind).toBe('ok');
    expect(v.check(3, { number: '001234567' }).kind).toBe('duplicate'); // 00 is the international prefix
  });

  it('tells numbers of 15 digits apart exactly', () => {
    const v = new RecipientValidator({});
    expect(v.check(1, { number: '999999999999998' }).kind).toBe('ok');
    expect(v.check(2, { number: '999999999999999' }).kind).toBe('ok');
  });

  it('keeps a repeated number when dedupe is off', () => {
    const v = new RecipientValidator({ dedupe: false });
    expect(v.check(1, { number: '491701234567' }).kind).toBe('ok');
    expect(v.check(2, { number: '491701234567' })).toMatchObject({
      kind: 'ok',
      recipient: { number: '491701234567', orderId: 'smsq-2' },
    });
    expect([v.accepted, v.duplicates]).toEqual([2, 0]);
  });

  it('counts accepted, duplicate and invalid rows', () => {
    const v = new RecipientValidator({});
    const numbers = ['491700000001', '491700000001', 'x', '491700000002'];
    numbers.forEach((number, i) => v.check(i + 1, { number }));
    expect({ accepted: v.accepted, duplicates: v.duplicates, invalid: v.invalid }).toEqual({
      accepted: 2,
      duplicates: 1,
      invalid: 1,
    });
  });
});
