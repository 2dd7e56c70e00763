import { decodeRecipients, encodeRecipients } from '../../src/shared/recipient/codec';
import type { Recipient } from '../../src/shared/types';
import { isTemplate, parseTemplate, renderTemplate, templateFields } from '../../src/shared/text/template';

function parsed(content: string) {
  const p = parseTemplate(content);
  if (!p.ok) throw new Error(p.reason);
  return p.template;
}

describe('templates', () => {
  it('fills {{field}} and {{field|fallback}} by plain substitution', () => {
    const t = parsed('Hi {{ name }}, order {{order}} ships {{when|today}}. {{name}}!');
    expect(t.fields).toEqual(['name', 'order', 'when']);
    expect(renderTemplate(t, ['Ana', '4411', ''])).toBe('Hi Ana, order 4411 ships today. Ana!');
    expect(renderTemplate(t, ['Ana', '4411', 'tomorrow'])).toBe('Hi Ana, order 4411 ships tomorrow. Ana!');
  });

  it('never evaluates what a value holds', () => {
    const t = parsed('Hi {{name}}');
    expect(renderTemplate(t, ['{{order}} ${process.exit()} <b>'])).toBe('Hi {{order}} ${process.exit()} <b>');
  });

  it('names the field missing without a fallback, and takes an empty value as missing', () => {
    const t = parsed('Hi {{name}}, {{order}}');
    expect(renderTemplate(t, ['Ana'])).toEqual({ missing: 'order' });
    expect(renderTemplate(t, ['', '1'])).toEqual({ missing: 'name' });
  });

  it('keeps single braces as text (they are GSM-7 characters)', () => {
    expect(isTemplate('a {b} c')).toBe(false);
    expect(renderTemplate(parsed('{x} {{a}} }'), ['1'])).toBe('{x} 1 }');
  });

  it.each([
    ['Hi {{name', 'is not closed with }}'],
    ['Hi {{}}', 'has no valid field name'],
    ['Hi {{ first name }}', 'has no valid field name'],
    ['Hi {{1st}}', 'has no valid field name'],
    ['Hi {{a {{b}}', 'before the next {{'],
  ])('refuses %j as unknown placeholder syntax', (content, reason) => {
    const p = parseTemplate(content);
    expect(p.ok).toBe(false);
    expect(!p.ok && p.reason).toContain(reason);
  });

  it('lists the fields a content uses, none for plain text', () => {
    expect(templateFields('Dear {{name}}, {{city|here}}')).toEqual(['name', 'city']);
    expect(templateFields('plain')).toEqual([]);
  });
});

/** A decoded recipient as the plain Recipient it stands for (what JSON and every reader of its fields see). */
const plain = (recipients: Recipient[]) => JSON.parse(JSON.stringify(recipients)) as Recipient[];

describe('recipient codec', () => {
  it('stores field values after the orderId and gives them back exactly', () => {
    const recipients = [
      { number: '4915', orderId: 'a', values: ['Ana', 'x\ty\nz\\n\r'] },
      { number: '4916', orderId: 'smsq-2', values: ['', ''] },
      { number: '4917', orderId: 'c' },
    ];
    const encoded = encodeRecipients(recipients);
    expect(encoded.split('\n')).toHaveLength(3);
    expect(plain(decodeRecipients(encoded))).toEqual(recipients);
    const decoded = decodeRecipients(encoded);
    expect(decoded.map((r) => [r.number, r.orderId, r.values, 'zone' in r])).toEqual(
      recipients.map((r) => [r.number, r.orderId, r.values, false]),
    );
  });

  it('stores a generated orderId in 4 bytes less, and a time zone beside it', () => {
    const recipients = [
      { number: '4915', orderId: 'smsq-12345' },
      { number: '4916', orderId: 'smsq-12346', zone: 'Europe/Berlin' },
      { number: '4917', orderId: 'smsq-12347', values: ['Ana'] },
      { number: '4918', orderId: 'smsq' },
    ];
    const encoded = encodeRecipients(recipients);
    expect(encoded.split('\n')[0]).toBe('4915,\x1e12345');
    expect(encoded.length).toBe(encodeRecipients(recipients.map((r) => ({ ...r, orderId: r.orderId.replace('smsq-', '') }))).length + 3);
    expect(plain(decodeRecipients(encoded))).toEqual(recipients);
  });
});
