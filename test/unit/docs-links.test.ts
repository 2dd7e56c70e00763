import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';

/**
 * The docs point at what exists: every relative link of README.md, CHANGELOG.md and docs/*.md opens a file (and its
 * `#anchor` a heading), every repository path they write in backticks is there, and no source, test or doc names a
 * `.md` file the repository lacks. A file moved or a heading renamed fails here, naming the line that points at it.
 */
const ROOT = join(__dirname, '..', '..');
const DOCS = [
  'README.md',
  'CHANGELOG.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
/** Folders whose paths the docs may name in backticks, checked for existence. */
const PATH = /(?:^|[\s(=])((?:src|test|bench|scripts|docs|\.ci|bin)\/[^\s`'"(),;]*)/g;
/** Placeholders and globs: `bench/results/<date>.json`, `docs/*.md`, `src/…`. */
const PLACEHOLDER = /[<>*{}…$]/;
const SKIPPED_DIRS = new Set(['node_modules', '.git', 'dist', 'coverage', 'test-artifacts']);

interface Doc {
  file: string;
  /** The text with fenced code blocks blanked (lines kept, so that offsets give line numbers). */
  prose: string;
  headings: Set<string>;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Fenced blocks hold commands and code, not links: blanked, line for line. */
function withoutFences(text: string): string {
  let fenced = false;
  return text
    .split('\n')
    .map((line) => {
      if (/^\s*(```|~~~)/.test(line)) {
        fenced = !fenced;
        return '';
      }
      return fenced ? '' : line;
    })
    .join('\n');
}

/** GitHub's anchor for a heading: lower case, punctuation but `-` and `_` dropped, spaces made `-`. */
function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}_\- ]/gu, '')
    .replace(/ /g, '-');
}

function headingsOf(prose: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of prose.split('\n')) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = slug(m[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

function readDoc(file: string): Doc {
  const prose = withoutFences(readFileSync(join(ROOT, file), 'utf8'));
  return { file, prose, headings: headingsOf(prose) };
}

/** Inline code spans (which may wrap a line), with their offsets. */
function codeSpans(prose: string): Array<{ code: string; at: number }> {
  return [...prose.matchAll(/(`+)([\s\S]*?[^`])\1(?!`)/g)].map((m) => ({ code: m[2], at: m.index ?? 0 }));
}

/** Links outside code spans: `[text](target)`; the text may hold code and wrap a line. */
function links(prose: string): Array<{ target: string; at: number }> {
  const blanked = prose.replace(/(`+)([\s\S]*?[^`])\1(?!`)/g, (span) => span.replace(/[^\n]/g, 'x'));
  return [...blanked.matchAll(/\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => ({ target: m[1], at: m.index ?? 0 }));
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (SKIPPED_DIRS.has(e.name)) return [];
    const path = join(dir, e.name);
    return e.isDirectory() ? walk(path) : [path];
  });
}

const docs = DOCS.map(readDoc);
const byFile = new Map(docs.map((d) => [d.file, d]));

describe('the docs', () => {
  it('find README.md, CHANGELOG.md and the docs pages (so that the checks below check something)', () => {
    expect(docs.length).toBeGreaterThan(10);
    expect(docs.every((d) => d.headings.size > 0)).toBe(true);
  });

  it('link only to files that exist, and to headings those files have', () => {
    const problems: string[] = [];
    for (const doc of docs) {
      for (const { target, at } of links(doc.prose)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
        const where = `${doc.file}:${lineOf(doc.prose, at)}`;
        const [path, anchor] = target.split('#', 2) as [string, string | undefined];
        const file = path === '' ? doc.file : relative(ROOT, join(ROOT, dirname(doc.file), decodeURI(path)));
        if (!existsSync(join(ROOT, file))) {
          problems.push(`${where}: ${target}: no such file`);
          continue;
        }
        if (anchor === undefined) continue;
        const linked = byFile.get(file) ?? (file.endsWith('.md') ? readDoc(file) : undefined);
        if (!linked) problems.push(`${where}: ${target}: an anchor into a file that is not markdown`);
        else if (!linked.headings.has(anchor)) problems.push(`${where}: ${target}: ${file} has no heading #${anchor}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('name in backticks only repository paths that exist', () => {
    const problems: string[] = [];
    for (const doc of docs) {
      for (const { code, at } of codeSpans(doc.prose)) {
        for (const m of code.matchAll(PATH)) {
          const path = m[1].replace(/[.:]+$/, '');
          if (PLACEHOLDER.test(path) || existsSync(join(ROOT, path))) continue;
          problems.push(`${doc.file}:${lineOf(doc.prose, at)}: \`${path}\` does not exist`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('sources, tests and docs', () => {
  it('name no .md file the repository lacks', () => {
    const markdown = walk(ROOT)
      .filter((f) => f.endsWith('.md'))
      .map((f) => relative(ROOT, f));
    const names = new Set(markdown.map((f) => basename(f)));
    const files = [...walk(join(ROOT, 'src')), ...walk(join(ROOT, 'test')), ...walk(join(ROOT, 'docs')), join(ROOT, 'README.md')].filter(
      (f) => statSync(f).isFile() && /\.(ts|js|mjs|cjs|json|html|css|md|sh)$/.test(f),
    );
    const problems: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/[\w./:-]*[\w-]\.md\b/g)) {
        const name = m[0];
        // A URL names a page elsewhere, not a file of this repository.
        if (name.includes('://')) continue;
        const path = name.replace(/^\.\//, '');
        const found = path.includes('/')
          ? existsSync(join(ROOT, path)) || existsSync(join(dirname(file), path)) || markdown.some((f) => f.endsWith(`/${path}`))
          : names.has(path);
        if (!found) problems.push(`${relative(ROOT, file)}:${lineOf(text, m.index ?? 0)}: ${name}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
