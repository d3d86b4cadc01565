import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, sql } from 'kysely';
import { describe, expect, test } from 'vitest';
import { CompiledShapes } from '../../../store/compiled-shapes.ts';
import type { Database } from '../../../store/index.ts';

const db = new Kysely<Database>({
  dialect: { createAdapter: () => new PostgresAdapter(), createDriver: () => new DummyDriver(), createIntrospector: (k) => new PostgresIntrospector(k), createQueryCompiler: () => new PostgresQueryCompiler() },
});

interface Input {
  conversationId: string;
  limit: number;
  rows: { platform: string; conversation_id: string; event_id: string; role: 'user' | 'assistant'; author_account_id: string | null; text: string; at: Date }[];
}
const build = (i: Input) =>
  db
    .with('added', (d) => d.insertInto('conversation_log').values(i.rows).onConflict((oc) => oc.columns(['platform', 'conversation_id', 'event_id']).doNothing()))
    .selectFrom('conversation_log')
    .select(['id', 'text'])
    .where('platform', '=', 'web')
    .where('conversation_id', '=', i.conversationId)
    .limit(i.limit);
const row = (n: number, author: string | null) => ({ platform: 'web', conversation_id: `c${n}`, event_id: `e${n}`, role: author ? 'user' as const : 'assistant' as const, author_account_id: author, text: `hello ${n}`, at: new Date(n * 1_000) });

describe('compiled query shapes', () => {
  test('GIVEN calls of one shape with other values THEN it is compiled once and each call equals Kysely\'s own compile', () => {
    const shapes = new CompiledShapes();
    for (let n = 1; n <= 5; n++) {
      const input: Input = { conversationId: `c${n}`, limit: n, rows: [row(n, `ada${n}`), row(n + 100, `bo${n}`)] };
      const cached = shapes.compile('q', input, build);
      const direct = build(input).compile();
      expect(cached.sql).toBe(direct.sql);
      expect(cached.parameters).toEqual(direct.parameters);
    }
    expect(shapes.size).toBe(1);
  });

  test('GIVEN another number of rows or a null where a value was THEN it is another shape, still equal to Kysely\'s compile', () => {
    const shapes = new CompiledShapes();
    const inputs: Input[] = [
      { conversationId: 'c1', limit: 3, rows: [row(1, 'ada')] },
      { conversationId: 'c1', limit: 3, rows: [row(1, 'ada'), row(2, 'ada')] },
      { conversationId: 'c1', limit: 3, rows: [row(1, null)] },
      { conversationId: 'c9', limit: 7, rows: [row(9, 'bo')] },
    ];
    for (const input of inputs) {
      const cached = shapes.compile('q', input, build);
      expect({ sql: cached.sql, parameters: cached.parameters }).toEqual({ sql: build(input).compile().sql, parameters: build(input).compile().parameters });
    }
    expect(shapes.size).toBe(3);
  });

  test('GIVEN a builder that writes a value into the SQL text THEN it is refused instead of cached', () => {
    const shapes = new CompiledShapes();
    const literal = (i: { name: string }) => db.selectFrom('conversation_log').select('id').where('author_name', '=', sql.lit(i.name));
    expect(() => shapes.compile('literal', { name: 'Ada' }, literal)).toThrow(/into the SQL text/);
  });

  test('GIVEN an object passed as a JSON parameter THEN it is refused instead of taken apart', () => {
    const shapes = new CompiledShapes();
    const json = (i: { doc: { dog: string } }) => db.selectFrom('conversation_log').select('id').where(sql`${i.doc}::jsonb`, 'is not', null);
    expect(() => shapes.compile('json', { doc: { dog: 'Juno' } }, json)).toThrow(/object is passed as a parameter/);
  });

  test('GIVEN more shapes than kept THEN the least recently used goes', () => {
    const shapes = new CompiledShapes(2);
    const one = { conversationId: 'c', limit: 1, rows: [row(1, 'a')] };
    const two = { ...one, rows: [row(1, 'a'), row(2, 'a')] };
    const three = { ...one, rows: [row(1, 'a'), row(2, 'a'), row(3, 'a')] };
    shapes.compile('q', one, build);
    shapes.compile('q', two, build);
    shapes.compile('q', one, build);
    shapes.compile('q', three, build);
    expect(shapes.size).toBe(2);
    // `two` was dropped: compiling it again adds it back and drops `one`... still two kept, and the answer is right.
    expect(shapes.compile('q', two, build).parameters).toEqual(build(two).compile().parameters);
    expect(shapes.size).toBe(2);
  });
});
