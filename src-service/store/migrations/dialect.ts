// Column helpers for what SQLite and PostgreSQL spell differently, shared by
// the migrations so each table declares its columns once for both.
import type { DialectName } from '../db';

/** An auto-numbered primary key on either database. */
export function id(dialect: DialectName) {
  return dialect === 'postgres'
    ? (['id', 'integer', (c: any) => c.primaryKey().generatedByDefaultAsIdentity()] as const)
    : (['id', 'integer', (c: any) => c.primaryKey().autoIncrement()] as const);
}
