import GRDB

/// The SQLite store's side of `UsageStorage`: its queries, run in the transaction of `db`.
struct SQLiteStorage: UsageStorage {
    let db: Database

    init(_ db: Database) {
        self.db = db
    }
}

extension AppDatabase {
    /// Runs `body` over the store's rows in a read transaction.
    func reading<T>(_ body: (SQLiteStorage) throws -> T) throws -> T {
        try read { db in try body(SQLiteStorage(db)) }
    }

    /// Runs `body` over the store's rows in a write transaction: all of it is stored, or none.
    func writing<T>(_ body: (SQLiteStorage) throws -> T) throws -> T {
        try write { db in try body(SQLiteStorage(db)) }
    }
}
