import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { OUTCOMES, OUTCOME_LETTERS } from '../../src/shared/batch/outcomes';
import { DELIVERY_COUNTERS, PRICED_COUNTER } from '../../src/shared/delivery/scripts';
import { loadScript, SCRIPTS_DIR } from '../../src/shared/redis/lua';

/**
 * Holds the Lua scripts (src/shared/redis/scripts) to their form, without Redis: each file opens with a header naming
 * every KEYS and ARGV slot its body reads and its replies, includes resolve, no piece of Lua is copied between files,
 * and the tables the scripts copy from TypeScript are equal to them.
 */
const SRC = resolve(__dirname, '..', '..', 'src');
const INCLUDES_DIR = join(SCRIPTS_DIR, 'includes');

const luaFiles = (dir: string): string[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.lua'))
    .map((f) => f.slice(0, -'.lua'.length))
    .sort();
const scripts = luaFiles(SCRIPTS_DIR);
const includes = luaFiles(INCLUDES_DIR);
const text = (file: string): string => readFileSync(file, 'utf8');
const MARKER = /^--- @include "([a-z0-9-]+)"$/gm;
const scriptText = (name: string): string => text(join(SCRIPTS_DIR, `${name}.lua`));
const includeText = (name: string): string => text(join(INCLUDES_DIR, `${name}.lua`));

/** The file's opening `--[[ … ]]` comment, and what follows it. */
function split(source: string): { header: string; body: string } {
  const m = /^--\[\[\n([\s\S]*?)\n\]\]\n/.exec(source);
  return m ? { header: m[1], body: source.slice(m[0].length) } : { header: '', body: source };
}

/** `KEYS[2]`, `ARGV[7]`… read by the body, as literal slots. */
function slotsUsed(body: string): Array<{ kind: 'KEYS' | 'ARGV'; n: number }> {
  const code = body.replace(/--.*$/gm, '');
  return [...code.matchAll(/\b(KEYS|ARGV)\[(\d+)\]/g)].map((m) => ({ kind: m[1] as 'KEYS' | 'ARGV', n: Number(m[2]) }));
}

/** The slots a header names, each at the start of its line: `KEYS[1] batch …`, or `ARGV[7...] pairs …` for the rest. */
function slotsNamed(header: string): Array<{ kind: 'KEYS' | 'ARGV'; n: number; rest: boolean }> {
  return [...header.matchAll(/^\s*(KEYS|ARGV)\[(\d+)(\.\.\.)?\]\s+\S/gm)].map((m) => ({
    kind: m[1] as 'KEYS' | 'ARGV',
    n: Number(m[2]),
    rest: m[3] !== undefined,
  }));
}

/** Every `lua<…>('name')` in src, by name. */
function scriptsDefined(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
    );
  return walk(SRC).flatMap((f) => [...text(f).matchAll(/\blua<[\s\S]*?>\(\s*'([a-z0-9-]+)'/g)].map((m) => m[1]));
}

/** A Lua table constructor of string values, `{ s = 'sent', f = 'failed' }`, as an object. */
function luaTable(source: string, name: string): Record<string, string> {
  const m = new RegExp(`^local ${name} = \\{([^}]*)\\}`, 'm').exec(source);
  if (!m) throw new Error(`no table ${name}`);
  return Object.fromEntries([...m[1].matchAll(/(\w+) = '([^']*)'/g)].map((e) => [e[1], e[2]]));
}

describe('the Lua scripts', () => {
  it('are files, each defined once in the code with its contract, and every definition has its file', () => {
    expect(scripts.length).toBeGreaterThanOrEqual(20);
    const defined = scriptsDefined();
    expect([...defined].sort()).toEqual(scripts);
  });

  it.each(scripts)('%s opens with a header naming its input and its output', (name) => {
    const { header } = split(scriptText(name));
    expect(header).toMatch(/^\s+\S/);
    expect(header).toMatch(/^\s+Input:$/m);
    expect(header).toMatch(/^\s+Output:\n\s+\S/m);
  });

  it.each(scripts)('%s names every KEYS and ARGV slot its body reads, in order from 1', (name) => {
    const { header, body } = split(scriptText(name));
    const named = slotsNamed(header);
    for (const kind of ['KEYS', 'ARGV'] as const) {
      const ns = named.filter((s) => s.kind === kind).map((s) => s.n);
      expect(ns).toEqual(ns.map((_, i) => i + 1));
    }
    const unnamed = slotsUsed(body).filter((u) => !named.some((s) => s.kind === u.kind && (s.n === u.n || (s.rest && u.n >= s.n))));
    expect(unnamed.map((u) => `${u.kind}[${u.n}]`)).toEqual([]);
  });

  it.each(scripts)('%s loads with each include expanded in place of its marker', (name) => {
    const source = loadScript(name);
    expect(source).not.toMatch(/@include/);
    // An include's text, but for the includes it names itself (expanded in their place, or earlier when named before).
    for (const [, include] of scriptText(name).matchAll(MARKER)) {
      for (const part of includeText(include).split(MARKER))
        if (!/^[a-z0-9-]+$/.test(part) && part.trim() !== '') expect(source).toContain(part.trim());
    }
  });

  it('reads no KEYS or ARGV in an include (the including script names its slots), and every include is used', () => {
    expect(includes.length).toBeGreaterThan(0);
    for (const name of includes) {
      expect(split(includeText(name)).header).toMatch(/\S/);
      expect(slotsUsed(includeText(name))).toEqual([]);
      expect(scripts.some((s) => loadScript(s).includes(split(includeText(name)).body.split(MARKER).pop()!.trim()))).toBe(true);
    }
  });

  it('copies no Lua: no two files share six or more identical lines of code', () => {
    // Lines that only close a block (`end`, `else`) are in every file, and say nothing of what it does.
    const closing = /^(end|else|end\)|\}|\}\))$/;
    const code = (source: string): Set<string> =>
      new Set(
        split(source)
          .body.split('\n')
          .map((l) => l.trim())
          .filter((l) => l !== '' && !l.startsWith('--') && !closing.test(l)),
      );
    const files = [
      ...scripts.map((s) => ({ name: `${s}.lua`, lines: code(scriptText(s)) })),
      ...includes.map((i) => ({ name: `includes/${i}.lua`, lines: code(includeText(i)) })),
    ];
    const shared: string[] = [];
    for (let a = 0; a < files.length; a++) {
      for (let b = a + 1; b < files.length; b++) {
        const common = [...files[a].lines].filter((l) => files[b].lines.has(l));
        if (common.length >= 6) shared.push(`${files[a].name} and ${files[b].name}: ${common.length} lines, e.g. ${common[0]}`);
      }
    }
    expect(shared).toEqual([]);
  });

  it('counts outcomes into the same campaign counters as the outcome table (includes/outcome-counters.lua)', () => {
    const counters = luaTable(includeText('outcome-counters'), 'OUTCOME_COUNTERS');
    expect(counters).toEqual(Object.fromEntries(OUTCOME_LETTERS.map((l) => [l, OUTCOMES[l].counter])));
  });

  it('counts delivery reports into the same campaign counters as the delivery table (apply-report.lua)', () => {
    const source = scriptText('apply-report');
    expect(luaTable(source, 'DELIVERY_COUNTERS')).toEqual(DELIVERY_COUNTERS);
    const priced = [...source.matchAll(/'HINCRBY', KEYS\[2\], '(dlr\w+)'/g)].map((m) => m[1]);
    expect(priced.length).toBeGreaterThan(0);
    expect(new Set(priced)).toEqual(new Set([PRICED_COUNTER]));
  });
});
