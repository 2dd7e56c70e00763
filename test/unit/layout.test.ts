import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * Holds the source tree to its layout: src/shared's root keeps only what every domain folder uses, and the
 * configuration (src/shared/config) is a leaf that any module may import without closing a cycle.
 */
const SRC = resolve(__dirname, '..', '..', 'src');
const SHARED = join(SRC, 'shared');
const CONFIG = join(SHARED, 'config');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** The source files a file imports (import, export … from, require, import()): relative specifiers only. */
function relativeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s+|\bimport\s+|\brequire\(\s*|\bimport\(\s*)'(\.{1,2}(?:\/[^']*)?)'/g)) {
    const target = resolve(dirname(file), m[1]);
    const resolved = [`${target}.ts`, join(target, 'index.ts')].find((f) => existsSync(f) && statSync(f).isFile());
    if (resolved) found.push(resolved);
  }
  return found;
}

const inConfig = (file: string): boolean => !relative(CONFIG, file).startsWith('..');
const name = (file: string): string => relative(SRC, file);

describe('source layout', () => {
  const files = sourceFiles(SRC);
  const graph = new Map(files.map((f) => [f, relativeImports(f)]));

  it('reads the tree (so that the checks below check something)', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(sourceFiles(CONFIG).length).toBeGreaterThan(5);
    expect(graph.get(join(SHARED, 'context.ts'))?.length).toBeGreaterThan(5);
  });

  it("keeps at most 8 files at src/shared's root: the rest lives in domain folders", () => {
    const root = readdirSync(SHARED, { withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.ts'))
      .map((e) => e.name);
    expect(root.length).toBeLessThanOrEqual(8);
  });

  it('lets no file under src/shared/config import from outside config/', () => {
    const leaving = sourceFiles(CONFIG).flatMap((f) =>
      relativeImports(f)
        .filter((t) => !inConfig(t))
        .map((t) => `${name(f)} -> ${name(t)}`),
    );
    expect(leaving).toEqual([]);
  });

  it('lets no import cycle pass through src/shared/config', () => {
    // From each config file, a depth-first walk over relative imports: reaching the start again is a cycle.
    const cycles: string[] = [];
    for (const start of files.filter(inConfig)) {
      const seen = new Set<string>();
      const walk = (file: string, path: string[]): void => {
        for (const next of graph.get(file) ?? []) {
          if (next === start) cycles.push([...path, next].map(name).join(' -> '));
          else if (!seen.has(next)) {
            seen.add(next);
            walk(next, [...path, next]);
          }
        }
      };
      walk(start, [start]);
    }
    expect(cycles).toEqual([]);
  });
});
