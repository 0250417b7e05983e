// Statements of the hot paths, built and compiled once per dialect. Kysely
// builds a query's tree and compiles it to SQL on every call — on SQLite that
// was a fifth of an approval's CPU, more than SQLite itself spent on most
// statements. A prepared statement is built once with named slots where the
// caller's values go, and afterwards only bound: the SQL text is the one
// Kysely would have sent (parameterised; unnamed on PostgreSQL as before), so
// the store's statement cache and PgBouncer see nothing new. A statement whose
// shape varies (the columns an update sets, a number of rows) is prepared once
// per shape.
import { createQueryId, type Compilable, type CompiledQuery, type Kysely, type QueryResult } from 'kysely';
import type { Database } from './schema';

/** Where a caller's value goes: what the build function receives instead of the value. */
class Slot {
  constructor(
    readonly name: string,
    /** The row of a multi-row statement the value comes from. */
    readonly row?: number,
  ) {}
}

/** The build function's stand-ins for the parameters, typed as the values they stand for. */
export type Slots<P> = { readonly [K in keyof P]: P[K] };

function slotsOf<P>(row?: number): Slots<P> {
  return new Proxy({}, { get: (_, name) => new Slot(String(name), row) }) as Slots<P>;
}

interface Compiled {
  sql: string;
  query: CompiledQuery['query'];
  /** For each parameter, the slot it comes from, or the fixed value the build put there. */
  parts: readonly (Slot | { fixed: unknown })[];
}

/** One statement's SQL per dialect (it depends on the adapter's kind only), compiled at its first use. */
class OneShape<O> {
  private readonly byDialect = new Map<unknown, Compiled>();

  constructor(private readonly build: (db: Kysely<Database>) => Compilable<O>) {}

  run(db: Kysely<Database>, value: (slot: Slot) => unknown): Promise<QueryResult<O>> {
    const dialect = db.getExecutor().adapter.constructor;
    let compiled = this.byDialect.get(dialect);
    if (!compiled) {
      const query = this.build(db).compile();
      compiled = {
        sql: query.sql,
        query: query.query,
        parts: query.parameters.map((p) => (p instanceof Slot ? p : { fixed: p })),
      };
      this.byDialect.set(dialect, compiled);
    }
    const parameters = compiled.parts.map((part) => {
      if (!(part instanceof Slot)) return part.fixed;
      const bound = value(part);
      if (bound === undefined) throw new Error(`prepared statement: no value for ${part.name}`);
      return bound;
    });
    return db.executeQuery<O>({ sql: compiled.sql, query: compiled.query, parameters, queryId: createQueryId() });
  }
}

export interface Prepared<P, O> {
  /** Every row the statement returns. */
  rows(db: Kysely<Database>, params: P): Promise<O[]>;
  first(db: Kysely<Database>, params: P): Promise<O | undefined>;
  /** Rows an update, insert or delete changed. */
  changed(db: Kysely<Database>, params: P): Promise<number>;
}

function readers<P, O>(run: (db: Kysely<Database>, params: P) => Promise<QueryResult<O>>): Prepared<P, O> {
  return {
    rows: async (db, params) => (await run(db, params)).rows,
    first: async (db, params) => (await run(db, params)).rows[0],
    changed: async (db, params) => Number((await run(db, params)).numAffectedRows ?? 0n),
  };
}

export function prepared<P extends Record<string, unknown>, O = unknown>(
  build: (db: Kysely<Database>, slot: Slots<P>) => Compilable<O>,
): Prepared<P, O> {
  const statement = new OneShape((db) => build(db, slotsOf<P>()));
  return readers((db, params: P) => statement.run(db, (slot) => params[slot.name]));
}

/**
 * A statement whose shape depends on something besides its values (the columns
 * an update sets): prepared once per key, which must name everything `build`
 * reads of `shape` — a small, fixed set in the code.
 */
export function preparedPerShape<S, P extends Record<string, unknown>, O = unknown>(
  keyOf: (shape: S) => string,
  build: (db: Kysely<Database>, slot: Slots<P>, shape: S) => Compilable<O>,
): (shape: S) => Prepared<P, O> {
  const byKey = new Map<string, Prepared<P, O>>();
  return (shape) => {
    const key = keyOf(shape);
    let statement = byKey.get(key);
    if (!statement) {
      statement = prepared<P, O>((db, slot) => build(db, slot, shape));
      byKey.set(key, statement);
    }
    return statement;
  };
}

/** Row counts kept prepared; a longer insert (a rare, large posting) is compiled each time. */
const MAX_PREPARED_ROWS = 8;

/** A multi-row insert, prepared once per number of rows. */
export function preparedRows<R extends Record<string, unknown>, O = unknown>(
  build: (db: Kysely<Database>, rows: Slots<R>[]) => Compilable<O>,
): Prepared<readonly R[], O> {
  const byCount = new Map<number, OneShape<O>>();
  return readers((db, rows: readonly R[]) => {
    let statement = byCount.get(rows.length);
    if (!statement) {
      const slots = rows.map((_, i) => slotsOf<R>(i));
      statement = new OneShape((d) => build(d, slots));
      if (rows.length <= MAX_PREPARED_ROWS) byCount.set(rows.length, statement);
    }
    return statement.run(db, (slot) => rows[slot.row!][slot.name]);
  });
}
