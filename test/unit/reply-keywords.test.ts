import { DEFAULT_START_KEYWORDS, DEFAULT_STOP_KEYWORDS, normalizeReplyText } from '../../src/shared/config';
import { loadConfig } from '../../src/shared/load-config';
import { keywordMatcher } from '../../src/shared/opt-out/keywords';

const match = keywordMatcher({ stopKeywords: DEFAULT_STOP_KEYWORDS, startKeywords: DEFAULT_START_KEYWORDS });

describe('opt-out keyword matching: the whole reply is the keyword, ignoring case, surrounding spaces and punctuation', () => {
  it.each([
    ['STOP', 'stop'],
    ['stop', 'stop'],
    [' Stop! ', 'stop'],
    ['stop.', 'stop'],
    ['«STOP»', 'stop'],
    ['"Stop"', 'stop'],
    ['STOP 🙏', 'stop'],
    ['\tStop\r\n', 'stop'],
    ['ＳＴＯＰ', 'stop'],
    ['\u200bSTOP\u200b', 'stop'],
    ['StopAll', 'stop'],
    ['unsubscribe', 'stop'],
    ['Cancel', 'stop'],
    ['end', 'stop'],
    ['QUIT!!!', 'stop'],
    ['td', 'stop'],
    ['退订', 'stop'],
    [' 退订。', 'stop'],
    ['START', 'start'],
    ['start.', 'start'],
    ['Unstop', 'start'],
  ])('%j is %s', (reply, keyword) => {
    expect(match(reply)).toBe(keyword);
  });

  it.each([
    "don't stop",
    'Stop sending me this',
    'STOP STOP',
    'STOP ALL',
    'stopp',
    'S T O P',
    'please unsubscribe me',
    'start again',
    'the end of it',
    '',
    '   ',
    '!!!',
  ])('%j is no keyword', (reply) => {
    expect(match(reply)).toBeNull();
  });

  it('normalises inner white space to one space, so a configured two-word keyword matches however it is spaced', () => {
    expect(normalizeReplyText('  stop\u00a0 all!! ')).toBe('STOP ALL');
    const custom = keywordMatcher({ stopKeywords: ['stop all', 'arrêt'], startKeywords: ['go'] });
    expect(custom('Stop   all.')).toBe('stop');
    expect(custom('ARRÊT')).toBe('stop');
    expect(custom('STOP')).toBeNull();
    expect(custom('go!')).toBe('start');
  });

  it('reads REPLY_STOP_KEYWORDS and REPLY_START_KEYWORDS normalised, and refuses a word in both', () => {
    const c = loadConfig({ REPLY_STOP_KEYWORDS: ' stop , Halt!, ', REPLY_START_KEYWORDS: 'resume' });
    expect(c.replies.stopKeywords).toEqual(['STOP', 'HALT']);
    expect(c.replies.startKeywords).toEqual(['RESUME']);
    expect(loadConfig({}).replies.stopKeywords).toEqual(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'TD', '退订']);
    expect(() => loadConfig({ REPLY_STOP_KEYWORDS: 'stop,start' })).toThrow(/both list START/);
    expect(() => loadConfig({ REPLY_STOP_KEYWORDS: ',,' })).toThrow(/REPLY_STOP_KEYWORDS lists no keyword/);
    expect(() => loadConfig({ REPLY_TOKEN: 'short' })).toThrow(/REPLY_TOKEN must be 16 to 256/);
    expect(() => loadConfig({ REPLY_ALLOWED_IPS: '10.0.0.0/99' })).toThrow(/REPLY_ALLOWED_IPS entry "10.0.0.0\/99"/);
  });
});
