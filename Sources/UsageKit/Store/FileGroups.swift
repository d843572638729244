import Foundation
import GRDB

/// Commits an ingest's files in groups: one transaction holds many files, each in a savepoint of its own.
///
/// A commit costs the same whether it holds one small file or a thousand: pages written whole and a sync. Grouping
/// pays it once per group, while each file stays atomic: a file that fails rolls back to its savepoint alone, and
/// its ledger entry with it, so the next run reads it again. A group ends after enough rows, bytes or time, so a
/// long run commits regularly and an interrupted one loses only the group in flight, whose files the ledger does not
/// show as read either.
struct FileGroups {
    /// The connection the group's files are written through.
    let db: Database
    /// The sums of the group's requests, merged into the rollup tables when the group commits: thousands of small
    /// files would otherwise each upsert the same hours, sessions and days.
    var rollup = HourlyRollup()
    private let limits: Limits
    private var rows = 0
    private var bytes: Int64 = 0
    private var started = ContinuousClock.now

    /// When a group is due to commit; a file is never split.
    struct Limits: Sendable {
        var rows = 50_000
        var bytes: Int64 = 64 << 20
        var duration = Duration.seconds(1)
    }

    init(db: Database, limits: Limits = Limits()) {
        self.db = db
        self.limits = limits
    }

    /// Starts a file, and a group first when none is open.
    mutating func beginFile() throws {
        if !db.isInsideTransaction {
            try db.beginTransaction(.immediate)
            (rows, bytes, started) = (0, 0, .now)
        }
        try db.cachedStatement(sql: "SAVEPOINT file").execute()
    }

    /// Keeps the file's writes; commits the group when it is due.
    mutating func endFile(rows fileRows: Int, bytes fileBytes: Int64) throws {
        try db.cachedStatement(sql: "RELEASE file").execute()
        rows += fileRows
        bytes += fileBytes
        if rows >= limits.rows || bytes >= limits.bytes || ContinuousClock.now - started >= limits.duration {
            try commit()
        }
    }

    /// Undoes the file's writes; the group goes on. The group's rollup held some of the file's requests: the
    /// stored one is rebuilt from the requests that stay (a file fails halfway only on a read error).
    mutating func dropFile() throws {
        try db.cachedStatement(sql: "ROLLBACK TO file").execute()
        try db.cachedStatement(sql: "RELEASE file").execute()
        rollup = HourlyRollup()
        try HourlyRollup.rebuild(db)
    }

    /// Commits what is open.
    mutating func finish() throws {
        if db.isInsideTransaction { try commit() }
    }

    private mutating func commit() throws {
        try rollup.merge(into: db)
        rollup = HourlyRollup()
        try db.commit()
    }

    /// Rolls back what is open, after a failure of the database.
    func abandon() {
        if db.isInsideTransaction { try? db.rollback() }
    }
}
