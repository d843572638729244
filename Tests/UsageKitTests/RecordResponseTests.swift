import Foundation
import GRDB
import Testing

@testable import UsageKit

/// An app that holds each response records it in memory, and gets what an ingest of a file holding it gets.
@Suite struct RecordResponseTests: StoreQueries {
    /// Every column a request is stored with, but its id and file, in one text per row.
    func rows(_ store: UsageStore) throws -> [String] {
        try store.database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM requests ORDER BY dedupe_key").map { row in
                row.columnNames.filter { $0 != "id" && $0 != "file_id" }.map { "\($0)=\(row[$0] ?? "NULL")" }
                    .joined(separator: " ")
            }
        }
    }

    func rollup(_ store: UsageStore) throws -> [String] {
        try store.database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM usage_hourly ORDER BY 1, 2").map { "\($0)" }
        }
    }

    @Test(arguments: ["messages/response.json", "messages/responses.jsonl", "streams/stream.sse"])
    func aResponseRecordedTwiceIsOneRequestStoredAsItsFileIngestStoresIt(_ name: String) throws {
        let path = fixture(name)
        let modified = try #require(
            try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date)
        let ingested = try UsageStore.inMemory()
        let fromFile = try ingested.ingest([IngestSource(path: path)])

        let recorded = try UsageStore.inMemory()
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        // The file's modification time dates what states no time, as it does for the file.
        let first = try recorded.record(response: data, source: path, receivedAt: modified)
        let again = try recorded.record(response: data, source: path, receivedAt: modified)

        #expect(first.newRequests == fromFile.newRequests && first.newRequests > 0)
        #expect(first.unpricedRequests == fromFile.unpricedRequests && first.rejectedLines == fromFile.rejectedLines)
        #expect(again.newRequests == 0 && again.duplicates == fromFile.newRequests)
        #expect(try rows(recorded) == rows(ingested))
        #expect(try rollup(recorded) == rollup(ingested))
        // Priced: the cost is the one the file's ingest stored.
        #expect(try stored(recorded.database) == stored(ingested.database))
        #expect(try stored(recorded.database).cost > .zero)
        // No ledger entry.
        #expect(try value(recorded.database, "SELECT COUNT(*) FROM files") == 0)
        #expect(try value(recorded.database, "SELECT COUNT(*) FROM requests WHERE file_id IS NOT NULL") == 0)
    }

    @Test func aDamagedResponseIsAnIssueNamedAfterItsSource() throws {
        let store = try UsageStore.inMemory()
        let messages = Messages()
        let summary = try store.record(
            response: Data(#"{"id":"msg_1","model":"claude-sonnet-4-5","usage":{"output_tokens":3}}"#.utf8),
            source: "app", onIssue: messages.append)
        #expect(summary.newRequests == 0 && summary.rejectedLines == 1)
        let missing = IngestIssue(path: "app", line: 1, problem: .rejected(reason: "usage.input_tokens is missing"))
        #expect(messages.issues == [missing])
        #expect(try value(store.database, "SELECT COUNT(*) FROM requests") == 0)
    }
}
