import { loadConfig } from '../../../src/shared/load-config';

describe('LINK_BASE_URL', () => {
  it('is unset by default: no tracked links', () => {
    expect(loadConfig({}).links).toEqual({ basePath: '' });
  });

  it.each([
    ['https://s.example.com', 'https://s.example.com', ''],
    ['https://s.example.com/', 'https://s.example.com', ''],
    ['https://sms.example.com/l', 'https://sms.example.com/l', '/l'],
    ['http://127.0.0.1:3000/go/to', 'http://127.0.0.1:3000/go/to', '/go/to'],
  ])('takes %s as the base %s served under %j', (raw, baseUrl, basePath) => {
    expect(loadConfig({ LINK_BASE_URL: raw }).links).toEqual({ baseUrl, basePath });
  });

  it.each([
    ['ftp://s.example.com', /http:\/\/ or https:\/\//],
    ['s.example.com', /is not a URL/],
    ['https://s.example.com/?a=1', /no query/],
    ['https://user:pw@s.example.com', /no query, fragment or login/],
    ['https://S.Example.com', /must be written as https:\/\/s\.example\.com/],
    ['https://s.example.com:443', /must be written as https:\/\/s\.example\.com/],
    ['https://s.example.com/a b', /path that is not plain segments/],
    [`https://s.example.com/${'a'.repeat(100)}`, /longer than 100 characters/],
  ])('refuses %s, saying why', (raw, why) => {
    expect(() => loadConfig({ LINK_BASE_URL: raw })).toThrow(why);
  });
});
