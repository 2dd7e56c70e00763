import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CATALOGUE } from '../../src/shared/errors';
import { openApiDocument } from '../../src/server/openapi';

/**
 * Holds the places that name error codes to the catalogue (src/shared/errors.ts): the table of docs/http-api.md
 * and the error answers of the OpenAPI description. A code added, dropped or given another status on one side
 * only fails here.
 */
const HTTP_API_DOC = join(__dirname, '..', '..', 'docs', 'http-api.md');

/** The rows of the table under "## Error codes": code → "status caller" (`409 yes`). */
function docsTable(): Map<string, string> {
  const text = readFileSync(HTTP_API_DOC, 'utf8');
  const start = text.indexOf('\n## Error codes\n');
  const next = text.indexOf('\n## ', start + 1);
  const section = text.slice(start, next === -1 ? undefined : next);
  const rows = new Map<string, string>();
  for (const line of section.split('\n')) {
    const m = /^\| `([A-Z][A-Z_]+)` \| (\d{3}) \| (yes|no) \|/.exec(line);
    if (m) {
      expect(rows.has(m[1])).toBe(false);
      rows.set(m[1], `${m[2]} ${m[3]}`);
    }
  }
  return rows;
}

/** Each catalogue code an OpenAPI error answer names, with that answer's status. */
function openApiAnswers(): { code: string; status: number; where: string }[] {
  const found: { code: string; status: number; where: string }[] = [];
  for (const [path, operations] of Object.entries(openApiDocument.paths)) {
    for (const [method, op] of Object.entries(operations as Record<string, { responses?: Record<string, { description?: string }> }>)) {
      for (const [status, res] of Object.entries(op.responses ?? {})) {
        for (const m of (res.description ?? '').matchAll(/\b[A-Z][A-Z_]+[A-Z]\b/g)) {
          if (m[0] in ERROR_CATALOGUE)
            found.push({ code: m[0], status: Number(status), where: `${method.toUpperCase()} ${path} ${status}` });
        }
      }
    }
  }
  return found;
}

const catalogue = Object.entries(ERROR_CATALOGUE);

describe('the error catalogue', () => {
  it("lists every code in docs/http-api.md's table with the catalogue's status and fault, and no other", () => {
    const table = docsTable();
    expect(table.size).toBeGreaterThan(30);
    const expected = catalogue.map(([code, e]) => [code, `${e.status} ${e.callerFault ? 'yes' : 'no'}`]);
    expect(Object.fromEntries([...table].sort())).toEqual(Object.fromEntries(expected.sort()));
  });

  it('gives every code the OpenAPI description names the status it is documented under there', () => {
    const answers = openApiAnswers();
    expect(answers.length).toBeGreaterThan(20);
    const wrong = answers.filter((a) => ERROR_CATALOGUE[a.code as keyof typeof ERROR_CATALOGUE].status !== a.status);
    expect(wrong).toEqual([]);
  });

  it("calls no 5xx answer the caller's fault, and every other 4xx but the busy ones", () => {
    const notCallers = catalogue.filter(([, e]) => e.status < 500 && !e.callerFault).map(([code]) => code);
    expect(notCallers.sort()).toEqual(['CAMPAIGN_BUSY', 'RECONCILE_BUSY']);
    expect(catalogue.filter(([, e]) => e.status >= 500 && e.callerFault)).toEqual([]);
  });
});
