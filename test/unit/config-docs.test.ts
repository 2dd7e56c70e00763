import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';
import { ERROR_CODES } from '../../src/shared/errors';

/**
 * Keeps the configuration tables of docs/configuration.md, the configuration's TSDoc and the variables the code reads in step, by
 * reading the files themselves: a variable added, renamed or dropped on one side only fails here.
 */
const ROOT = join(__dirname, '..', '..');
const CONFIG_DIR = join(ROOT, 'src', 'shared', 'config');
const VAR = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** The variables in the first column of the tables of docs/configuration.md (one table per section). */
function readmeVariables(): Set<string> {
  const section = readFileSync(join(ROOT, 'docs', 'configuration.md'), 'utf8');
  const names = new Set<string>();
  for (const line of section.split('\n')) {
    if (!line.startsWith('| `')) continue;
    for (const m of line.split('|')[1].matchAll(/`([^`]+)`/g)) if (VAR.test(m[1])) names.add(m[1]);
  }
  return names;
}

/** Variables the code reads: names handed to the config's readers, and `process.env.X` / `env.X` anywhere in src. */
function variablesRead(): Set<string> {
  const names = new Set<string>();
  for (const file of sourceFiles(CONFIG_DIR)) {
    for (const m of readFileSync(file, 'utf8').matchAll(/\((?:\s*r,)?\s*'([A-Z][A-Z0-9_]+)'/g)) {
      if (VAR.test(m[1]) && !(m[1] in ERROR_CODES)) names.add(m[1]);
    }
  }
  for (const file of sourceFiles(join(ROOT, 'src'))) {
    for (const m of readFileSync(file, 'utf8').matchAll(/\benv(?:\.([A-Z][A-Z0-9_]+)|\[\s*'([A-Z][A-Z0-9_]+)'\s*\])/g))
      names.add(m[1] ?? m[2]);
  }
  return names;
}

interface OptionDoc {
  option: string;
  doc: string;
  hasDefault: boolean;
}

/**
 * Every property of every interface in the configuration's source, with its TSDoc; a property whose type is
 * another of these interfaces (`gateway: GatewayConfig`) is a section, whose own properties are the options.
 */
function optionDocs(): OptionDoc[] {
  const sources = sourceFiles(CONFIG_DIR).map((file) =>
    ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true),
  );
  const sections = new Set<string>();
  for (const source of sources) for (const s of source.statements) if (ts.isInterfaceDeclaration(s)) sections.add(s.name.text);
  const docs: OptionDoc[] = [];
  for (const source of sources) {
    const visit = (node: ts.Node): void => {
      if (ts.isInterfaceDeclaration(node)) {
        for (const member of node.members) {
          if (!ts.isPropertySignature(member)) continue;
          if (member.type && ts.isTypeReferenceNode(member.type) && sections.has(member.type.typeName.getText(source))) continue;
          const jsDoc = ts.getJSDocCommentsAndTags(member).filter(ts.isJSDoc);
          docs.push({
            option: `${node.name.text}.${member.name.getText(source)}`,
            doc: jsDoc.map((d) => d.getText(source)).join('\n'),
            hasDefault: ts.getJSDocTags(member).some((t) => t.tagName.text === 'defaultValue'),
          });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return docs;
}

/** The variables an option's TSDoc names in backticks (`SMS_BATCH_SIZE`, `SMS_FREQUENCY_CAP=3/24h`). */
function documentedVariables(docs: OptionDoc[]): Set<string> {
  const names = new Set<string>();
  for (const { doc } of docs) for (const m of doc.matchAll(/`([A-Z][A-Z0-9_]+)(?:=[^`]*)?`/g)) if (VAR.test(m[1])) names.add(m[1]);
  return names;
}

describe('configuration documentation', () => {
  const readme = readmeVariables();
  const read = variablesRead();
  const docs = optionDocs();
  const documented = documentedVariables(docs);

  it('finds the docs tables, the variables read and the options (so that the checks below check something)', () => {
    expect(readme.size).toBeGreaterThan(70);
    expect(read.size).toBeGreaterThan(70);
    expect(docs.length).toBeGreaterThan(70);
  });

  it('gives every option TSDoc with a @defaultValue', () => {
    expect(docs.filter((d) => !d.hasDefault).map((d) => d.option)).toEqual([]);
  });

  it('lists in the docs every variable the code reads', () => {
    expect([...read].filter((name) => !readme.has(name)).sort()).toEqual([]);
  });

  it('lists in .env.example every variable the code reads, as the docs promise', () => {
    const example = readFileSync(join(ROOT, '.env.example'), 'utf8');
    const listed = new Set([...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
    expect([...read].filter((name) => !listed.has(name)).sort()).toEqual([]);
  });

  it('reads every variable the docs list', () => {
    expect([...readme].filter((name) => !read.has(name)).sort()).toEqual([]);
  });

  it('has an option with a @defaultValue documenting each variable of the docs, and no other', () => {
    expect([...readme].filter((name) => !documented.has(name)).sort()).toEqual([]);
    expect([...documented].filter((name) => !readme.has(name)).sort()).toEqual([]);
  });
});
