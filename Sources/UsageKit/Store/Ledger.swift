import Foundation
import GRDB

/// The ingest ledger: what the database knows of each file it has read.
enum Ledger {
    struct Entry: Sendable {
        var id: Int64
        var format: SourceFormat
        /// Only files read line by line can be resumed at an offset.
        var resumable: Bool
        var size: Int64
        var modifiedAt: Int64
        var identity: String?
        var consumed: Int64
        var lines: Int
        var headHash: Int64?
    }

    /// The bytes of a file's head that fingerprint it: a replaced file shows a different head.
    static let headLength: Int64 = 4096

    static func load(_ db: Database) throws -> [String: Entry] {
        var entries: [String: Entry] = [:]
        let rows = try Row.fetchCursor(db, sql: "SELECT \(columns) FROM files")
        while let r = try rows.next() { entries[r[0]] = entry(r) }
        return entries
    }

    /// The entries of `paths` (absolute) alone: a status line's one transcript is a lookup, not a read of the
    /// entries of a whole history.
    static func load(_ db: Database, paths: [String]) throws -> [String: Entry] {
        var entries: [String: Entry] = [:]
        let statement = try db.cachedStatement(sql: "SELECT \(columns) FROM files WHERE path = ?")
        for path in Set(paths) {
            if let r = try Row.fetchOne(statement, arguments: [path]) { entries[path] = entry(r) }
        }
        return entries
    }

    private static let columns = "path, id, format, size, modified_at, identity, consumed, lines, head_hash, layout"

    private static func entry(_ r: Row) -> Entry {
        let format: String = r[2]
        return Entry(
            id: r[1], format: SourceFormat(rawValue: format) ?? .messages, resumable: (r[9] as String) == "lines",
            size: r[3], modifiedAt: r[4], identity: r[5], consumed: r[6], lines: r[7], headHash: r[8])
    }

    /// FNV-1a of the first `min(length, headLength)` bytes of `bytes`.
    static func headHash(_ bytes: UnsafeBufferPointer<UInt8>, length: Int64) -> Int64 {
        FNV1a.hash(UnsafeBufferPointer(rebasing: bytes.prefix(Int(min(length, headLength)))))
    }

    /// Records that the file at `path` (absolute) is being read, as it is now; returns its id. A whole read of a
    /// known file (not `resuming`) forgets the batch outcomes and rejects it counted before, since they are counted
    /// again.
    static func begin(
        _ db: Database, path: String, format: SourceFormat, size: Int64, modifiedAt: Int64, identity: String,
        resuming: Bool
    ) throws -> Int64 {
        // Cached statements throughout: these run once per file, and a tree of thousands of small files would
        // otherwise spend more time compiling them than storing its requests.
        try db.cachedStatement(
            sql: """
                INSERT INTO files (path, format, size, modified_at, identity, ingested_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(path) DO UPDATE SET size = excluded.size, modified_at = excluded.modified_at,
                  identity = excluded.identity, ingested_at = excluded.ingested_at
                """
        ).execute(arguments: [
            path, format.rawValue, size, modifiedAt, identity, Int64(Date().timeIntervalSince1970 * 1000),
        ])
        let id = try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM files WHERE path = ?"), arguments: [path])!
        if !resuming {
            try db.cachedStatement(sql: "DELETE FROM batch_outcomes WHERE file_id = ?").execute(arguments: [id])
            try db.cachedStatement(sql: "UPDATE files SET rejected = 0 WHERE id = ?").execute(arguments: [id])
        }
        return id
    }

    /// Records how far the file was read, the fingerprint of the bytes read, and what it gave. Only a file read
    /// line by line is recorded as resumable.
    static func end(
        _ db: Database, fileID: Int64, format: SourceFormat, lineByLine: Bool, consumed: Int64, lines: Int,
        headHash: Int64?, newRequests: Int, rejected: Int
    ) throws {
        try db.cachedStatement(
            sql: """
                UPDATE files SET format = ?, layout = ?, consumed = ?, lines = ?, head_hash = ?,
                  requests = requests + ?, rejected = rejected + ? WHERE id = ?
                """
        ).execute(arguments: [
            format.rawValue, lineByLine ? "lines" : "whole", consumed, lines, consumed > 0 ? headHash : nil,
            newRequests, rejected, fileID,
        ])
    }
}
