import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  allowedFrom,
  CAMPAIGN_STATES,
  checkMove,
  INITIAL_STATES,
  LIFECYCLE,
  LIFECYCLE_ROWS,
  type MoveName,
} from '../../src/shared/campaign/lifecycle';
import { SmsqError } from '../../src/shared/errors';
import { loadScript, SCRIPTS_DIR } from '../../src/shared/redis/lua';
import type { CampaignState } from '../../src/shared/types';

/** The campaign lifecycle table itself, and what holds the code to it, without Redis. */
const ROOT = resolve(__dirname, '..', '..');
const pairs = CAMPAIGN_STATES.flatMap((from) => CAMPAIGN_STATES.map((to) => ({ from, to })));
const allowed = new Set(LIFECYCLE_ROWS.flatMap(([, row]) => row.from.map((from) => `${from}>${row.to}`)));

function refusal(from: CampaignState, to: CampaignState): SmsqError | undefined {
  try {
    checkMove({ from: [from], to });
    return undefined;
  } catch (err) {
    if (err instanceof SmsqError) return err;
    throw err;
  }
}

describe('the campaign lifecycle table', () => {
  it('names only stored states, each row with who makes it and why', () => {
    for (const [name, row] of LIFECYCLE_ROWS) {
      expect({ name, states: [...row.from, row.to].filter((s) => !(CAMPAIGN_STATES as readonly string[]).includes(s)) }).toEqual({
        name,
        states: [],
      });
      expect(row.from.length).toBeGreaterThan(0);
      expect(row.by.length).toBeGreaterThan(0);
      expect(row.why).toMatch(/\w{3}/);
    }
  });

  it('reaches every state from the states a campaign is created in', () => {
    const reached = new Set<CampaignState>(INITIAL_STATES);
    for (let grew = true; grew;) {
      grew = false;
      for (const s of [...reached]) for (const to of allowedFrom(s)) if (!reached.has(to)) grew = reached.add(to) !== undefined;
    }
    expect([...reached].sort()).toEqual([...CAMPAIGN_STATES].sort());
  });

  it('lets a campaign that has not ended end, a failed or cancelled one change no more, and a completed one only run again', () => {
    for (const s of ['scheduled', 'queued', 'running', 'paused'] as const) expect(allowedFrom(s)).toContain('cancelled');
    for (const s of ['queued', 'running', 'paused'] as const)
      expect(allowedFrom(s)).toEqual(expect.arrayContaining(['completed', 'failed']));
    expect(allowedFrom('failed')).toEqual([]);
    expect(allowedFrom('cancelled')).toEqual([]);
    expect(allowedFrom('completed')).toEqual(['running']);
  });

  it.each(pairs)(
    'allows $from -> $to exactly when a row lists it, and refuses it otherwise naming both states and those allowed',
    ({ from, to }) => {
      const err = refusal(from, to);
      if (allowed.has(`${from}>${to}`)) {
        expect(err).toBeUndefined();
        return;
      }
      expect(err?.code).toBe('TRANSITION_NOT_ALLOWED');
      expect(err?.details).toEqual({ from, to, allowed: allowedFrom(from) });
      expect(err?.message).toContain(`from ${from} to ${to}`);
      for (const a of allowedFrom(from)) expect(err?.message).toContain(a);
    },
  );

  it('refuses a move when any one of its states may not make it', () => {
    expect(() => checkMove({ from: ['running', 'completed'], to: 'failed' })).toThrow(/from completed to failed/);
  });
});

describe('what holds the code to the table', () => {
  /**
   * The scripts that write a campaign's `state`, and the moves each makes: each is handed its moves' "from" states
   * (one argument serves moves that leave the same states) and writes their "to" states only.
   */
  const WRITERS: Record<string, MoveName[] | 'any'> = {
    'transition-campaign': 'any',
    'begin-call': ['firstCall'],
    'finish-batch': ['complete'],
    'end-call': ['complete'],
    'complete-if-settled': ['complete'],
    'end-staging': ['complete'],
    'reopen-batch': ['reopen'],
    'resume-campaign': ['resume', 'resumeScheduled'],
  };
  const scripts = readdirSync(SCRIPTS_DIR)
    .filter((f) => f.endsWith('.lua'))
    .map((f) => f.slice(0, -'.lua'.length));
  /** What each HSET of `state` writes: the literal states of its value, or the value itself when it has none. */
  const writes = (source: string): string[] =>
    [...source.matchAll(/redis\.call\('HSET', [^,]+, 'state', (.*)$/gm)].flatMap((m) => {
      const literals = [...m[1].matchAll(/'([a-z-]+)'/g)].map((l) => l[1]);
      return literals.length > 0 ? literals : [m[1].slice(0, m[1].indexOf(')'))];
    });

  it('knows every script that writes a state', () => {
    expect(scripts.filter((s) => writes(loadScript(s)).length > 0).sort()).toEqual(Object.keys(WRITERS).sort());
  });

  it.each(Object.entries(WRITERS))("%s writes only its moves' new states, from the states it is handed", (name, moves) => {
    const source = loadScript(name);
    if (moves === 'any') {
      expect(writes(source)).toEqual(['ARGV[2]']);
      expect(source).toMatch(/isOneOf\(state, ARGV\[1\]\)/);
      return;
    }
    expect(new Set(writes(source))).toEqual(new Set(moves.map((m) => LIFECYCLE[m].to)));
    // Handed to the routine directly, or as countBatch's `completeFrom`.
    expect(source).toMatch(/(isOneOf|completeIfCounted)\(.*ARGV\[\d+\]|completeFrom = ARGV\[\d+\]/);
    for (const m of moves) expect(LIFECYCLE[m].from).toEqual(LIFECYCLE[moves[0]].from);
  });

  it('has every transition() call in src name a row of the table', () => {
    const walk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
      );
    const calls = walk(join(ROOT, 'src')).flatMap((f) =>
      [...readFileSync(f, 'utf8').matchAll(/\.transition\(\s*[^,]+,\s*([^,)]+)/g)].map((m) => m[1].trim()),
    );
    expect(calls.length).toBeGreaterThanOrEqual(6);
    expect(calls.filter((c) => !/^LIFECYCLE\.\w+$/.test(c) || !(c.slice('LIFECYCLE.'.length) in LIFECYCLE))).toEqual([]);
  });

  it("is shown as it is in docs/campaigns.md's lifecycle table", () => {
    const text = readFileSync(join(ROOT, 'docs', 'campaigns.md'), 'utf8');
    const section = text.slice(text.indexOf('\n### Lifecycle\n'));
    const rows = section
      .split('\n')
      .map((l) => /^\| (\w+) \| ([a-z, ]+) \| ([a-z]+) \| ([a-z, ]+) \| (.+) \|$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null && m[1] !== 'move')
      .map((m) => [m[1], { from: m[2].split(', '), to: m[3], by: m[4].split(', '), why: m[5] }]);
    expect(Object.fromEntries(rows)).toEqual(JSON.parse(JSON.stringify(LIFECYCLE)));
  });
});
