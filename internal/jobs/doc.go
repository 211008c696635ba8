// Package jobs runs Chorus's background work on River, on both databases:
// the riversqlite driver on SQLite and riverdatabasesql on PostgreSQL, both
// on the store's writer pool (store.DB.WriteDB), so that a job is inserted
// in the same transaction as the row that needs it (Client.InsertTx).
//
// One file per job kind holds its args and its worker; workers are thin and
// map apperr codes to River's outcomes (see workError). Periodic work is
// River periodic jobs: only the elected leader enqueues them, and unique
// options by period keep a leader change from running a period twice.
//
// On SQLite River shares the single writer connection with the application:
// every River query waits for the application's transaction to finish and
// the other way round. River's queries are short, and the client runs in
// poll-only mode there (no 50 ms notification polling on that connection)
// with the reindexer off. Never call into River without a transaction while
// holding a write transaction on SQLite: the second statement would wait for
// the only connection, which the caller holds.
package jobs
