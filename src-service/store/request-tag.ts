// The request a database statement serves, named in the statement itself: on
// PostgreSQL each statement begins with `/* request_id=… */` (the sqlcommenter
// convention), so a slow statement in the server's log, or one seen in
// pg_stat_activity, names the request whose id the load balancer's log and the
// instance's carry. A comment, not a session setting: PgBouncer in transaction
// pooling passes it through untouched. SQLite is left alone (its statement cache
// is keyed by the text).
import { AsyncLocalStorage } from 'node:async_hooks';
import type { CompiledQuery, DatabaseConnection } from 'kysely';

const current = new AsyncLocalStorage<string>();

/** Runs `then` (and everything it starts) as the work of request `id`. */
export function asRequest(id: string, then: () => void): void {
  current.run(id, then);
}

/** The statement with its request's id in front; as it was outside a request. */
export function tagged<Q extends CompiledQuery>(query: Q): Q {
  const id = current.getStore();
  return id === undefined ? query : { ...query, sql: `/* request_id=${id} */ ${query.sql}` };
}

/**
 * For PostgresDialect's onCreateConnection: the connection's statements tagged from
 * then on (its begin, commit and savepoints included).
 */
export async function tagStatements(connection: DatabaseConnection): Promise<void> {
  const execute = connection.executeQuery.bind(connection);
  const stream = connection.streamQuery.bind(connection);
  connection.executeQuery = (query) => execute(tagged(query));
  connection.streamQuery = (query, chunkSize) => stream(tagged(query), chunkSize);
}
