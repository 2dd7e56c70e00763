import { loadConfig } from '../../../src/shared/load-config';

describe('LINK_BASE_URL', () => {
  it('is unset by default: no tracked links', () => {
    expect(loadConfig({}).links).toEqual({ basePath: '', missLimit: 60 });
  });

  it.each([
    ['https://s.example.com', 'https://s.example.com', ''],
    ['https://s.example.com/', 'https://s.example.com', ''],
    ['https://sms.example.com/l', 'https://sms.example.com/l', '/l'],
    ['http://127.0.0.1:3000/go/to', 'http://127.0.0.1:3000/go/to', '/go/to'],
  ])('takes %s as the base %s served under %j', (raw, baseUrl, basePath) => {
    expect(loadConfig({ LINK_BASE_URL: raw }).links).toEqual({ baseUrl, basePath, missLimit: 60 });
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

describe('LINK_MISS_LIMIT', () => {
  it('reads a limit from 0 (none) to 1,000,000 unknown codes a minute, and names anything else', () => {
    expect(loadConfig({ LINK_MISS_LIMIT: '0' }).links.missLimit).toBe(0);
    expect(loadConfig({ LINK_MISS_LIMIT: '500' }).links.missLimit).toBe(500);
    expect(() => loadConfig({ LINK_MISS_LIMIT: '-1' })).toThrow(/LINK_MISS_LIMIT/);
    expect(() => loadConfig({ LINK_MISS_LIMIT: 'lots' })).toThrow(/LINK_MISS_LIMIT/);
  });
});
