import Foundation
import GRDB
import SQLiteTuning

/// SQLite's process-wide settings, applied once before the first connection opens.
private let sqliteTuned: Void = { _ = usage_sqlite_tune() }()

/// The tool's SQLite database: schema, migrations and connection settings.
public struct AppDatabase: Sendable {
    public let writer: any DatabaseWriter
    public let path: String

    /// Opens (creating if needed) the database at `path` in WAL mode, and migrates it.
    public static func open(path: String) throws -> AppDatabase {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw UsageError.database(path: path, reason: "cannot create directory \(directory)")
            }
        }
        do {
            let pool = try DatabasePool(path: path, configuration: configuration())
            return try AppDatabase(writer: pool, path: path)
        } catch let error as UsageError {
            throw error
        } catch let error as DatabaseError {
            throw UsageError.database(path: path, reason: error.message ?? "\(error.resultCode)")
        } catch {
            throw UsageError.database(path: path, reason: "\(error)")
        }
    }

    /// An in-memory database, for tests.
    public static func inMemory() throws -> AppDatabase {
        try AppDatabase(writer: DatabaseQueue(configuration: configuration()), path: ":memory:")
    }

    init(writer: any DatabaseWriter, path: String) throws {
        self.writer = writer
        self.path = path
        try Self.migrator.migrate(writer)
    }

    private static func configuration() -> Configuration {
        _ = sqliteTuned
        var config = Configuration()
        // Two processes (an ingest from cron and a report) may share the file.
        config.busyMode = .timeout(30)
        config.prepareDatabase { db in
            // Large pages: an ingest writes hundreds of megabytes in one go and reports scan whole tables.
            // Only takes effect on a new, empty database.
            try db.execute(sql: "PRAGMA page_size = 65536")
            try db.execute(sql: "PRAGMA cache_size = -65536")
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
        }
        return config
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: files and requests") { db in
            try db.execute(
                sql: """
                    -- The ingest ledger: one row per file read, with what is needed to skip it when unchanged and
                    -- to resume it where the last run stopped.
                    CREATE TABLE files (
                      id INTEGER PRIMARY KEY,
                      path TEXT NOT NULL UNIQUE,
                      format TEXT NOT NULL,
                      layout TEXT NOT NULL DEFAULT 'lines',
                      size INTEGER NOT NULL,
                      modified_at INTEGER NOT NULL,
                      identity TEXT,
                      consumed INTEGER NOT NULL DEFAULT 0,
                      lines INTEGER NOT NULL DEFAULT 0,
                      head_hash INTEGER,
                      requests INTEGER NOT NULL DEFAULT 0,
                      rejected INTEGER NOT NULL DEFAULT 0,
                      ingested_at INTEGER NOT NULL
                    );
                    CREATE TABLE requests (
                      id INTEGER PRIMARY KEY,
                      ts INTEGER NOT NULL,
                      priced_as TEXT,
                      model TEXT NOT NULL,
                      input_tokens INTEGER NOT NULL,
                      cache_write_5m_tokens INTEGER NOT NULL,
                      cache_write_1h_tokens INTEGER NOT NULL,
                      cache_read_tokens INTEGER NOT NULL,
                      output_tokens INTEGER NOT NULL,
                      cost_nanos INTEGER,
                      priced INTEGER GENERATED ALWAYS AS (cost_nanos IS NOT NULL) VIRTUAL,
                      service_tier TEXT,
                      inference_geo TEXT,
                      speed TEXT,
                      stop_reason TEXT,
                      thinking_tokens INTEGER,
                      web_search_requests INTEGER NOT NULL DEFAULT 0,
                      web_fetch_requests INTEGER NOT NULL DEFAULT 0,
                      session TEXT,
                      workflow TEXT,
                      task_type TEXT,
                      project TEXT,
                      request_id TEXT,
                      dedupe_key TEXT NOT NULL,
                      key_hash INTEGER NOT NULL,
                      source_format TEXT NOT NULL,
                      file_id INTEGER REFERENCES files(id),
                      line INTEGER NOT NULL,
                      ts_from_file INTEGER NOT NULL DEFAULT 0,
                      custom_id TEXT,
                      git_branch TEXT,
                      workspace_id TEXT,
                      api_key_id TEXT,
                      context_window TEXT,
                      aggregated INTEGER NOT NULL DEFAULT 0,
                      logged_cost_nanos INTEGER
                    );
                    CREATE UNIQUE INDEX requests_by_key ON requests(key_hash);
                    CREATE INDEX requests_unpriced ON requests(model) WHERE cost_nanos IS NULL;
                    CREATE TABLE usage_hourly (
                      hour INTEGER NOT NULL,
                      model_key TEXT NOT NULL,
                      requests INTEGER NOT NULL,
                      aggregated_rows INTEGER NOT NULL,
                      input_tokens INTEGER NOT NULL,
                      cache_write_5m_tokens INTEGER NOT NULL,
                      cache_write_1h_tokens INTEGER NOT NULL,
                      cache_read_tokens INTEGER NOT NULL,
                      output_tokens INTEGER NOT NULL,
                      web_search_requests INTEGER NOT NULL,
                      cost_nanos INTEGER NOT NULL,
                      unpriced_requests INTEGER NOT NULL,
                      priority_requests INTEGER NOT NULL,
                      logged_requests INTEGER NOT NULL,
                      logged_cost_nanos INTEGER NOT NULL,
                      logged_computed_nanos INTEGER NOT NULL,
                      first_ts INTEGER NOT NULL,
                      last_ts INTEGER NOT NULL,
                      PRIMARY KEY (hour, model_key)
                    ) WITHOUT ROWID;
                    -- Message Batches: batch objects, and the outcome counts of each results file.
                    CREATE TABLE batches (
                      id TEXT PRIMARY KEY,
                      status TEXT,
                      processing INTEGER, succeeded INTEGER, errored INTEGER, canceled INTEGER, expired INTEGER,
                      created_at INTEGER,
                      ended_at INTEGER,
                      file_id INTEGER REFERENCES files(id)
                    );
                    CREATE TABLE batch_outcomes (
                      file_id INTEGER PRIMARY KEY REFERENCES files(id),
                      batch_id TEXT,
                      succeeded INTEGER NOT NULL, errored INTEGER NOT NULL, expired INTEGER NOT NULL,
                      canceled INTEGER NOT NULL
                    );
                    -- What the Admin API cost report says was billed: amounts, not requests.
                    CREATE TABLE billed_costs (
                      id INTEGER PRIMARY KEY,
                      dedupe_key TEXT NOT NULL UNIQUE,
                      starting_at INTEGER NOT NULL,
                      ending_at INTEGER NOT NULL,
                      model TEXT,
                      priced_as TEXT,
                      cost_type TEXT,
                      token_type TEXT,
                      service_tier TEXT,
                      context_window TEXT,
                      inference_geo TEXT,
                      workspace_id TEXT,
                      description TEXT,
                      amount_nanos INTEGER NOT NULL,
                      file_id INTEGER REFERENCES files(id),
                      line INTEGER NOT NULL
                    );
                    CREATE INDEX billed_costs_by_time ON billed_costs(starting_at);
                    """)
        }
        migrator.registerMigration("v2: imported prices") { db in
            try db.execute(
                sql: """
                    CREATE TABLE price_imports (
                      id INTEGER PRIMARY KEY,
                      effective_from INTEGER,
                      source TEXT NOT NULL,
                      imported_at INTEGER NOT NULL,
                      document TEXT NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v3: advisor calls and compactions") { db in
            // `usage.iterations`: advisor calls (a second model's sub-inferences) and compactions, billed beside the
            // response's own tokens, each with its token categories and its part of `cost_nanos`. (The message id
            // needs no column: it is the dedupe key, `m:<id>`, of every request that has one.)
            var statements = ["ALTER TABLE requests ADD COLUMN advisor_model TEXT"]
            for prefix in ["advisor", "compaction"] {
                statements.append("ALTER TABLE requests ADD COLUMN \(prefix == "advisor" ? "advisor_calls" : "compactions") INTEGER NOT NULL DEFAULT 0")
                for column in ["input_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens", "cache_read_tokens", "output_tokens"] {
                    statements.append("ALTER TABLE requests ADD COLUMN \(prefix)_\(column) INTEGER NOT NULL DEFAULT 0")
                }
                statements.append("ALTER TABLE requests ADD COLUMN \(prefix)_cost_nanos INTEGER")
            }
            // Spelled out, not taken from the code's column lists: a migration must never change once shipped.
            for column in [
                "advisor_calls", "advisor_prompt_tokens", "advisor_output_tokens", "advisor_cost_nanos", "compactions",
                "compaction_prompt_tokens", "compaction_output_tokens", "compaction_cost_nanos",
            ] {
                statements.append("ALTER TABLE usage_hourly ADD COLUMN \(column) INTEGER NOT NULL DEFAULT 0")
            }
            for statement in statements { try db.execute(sql: statement) }
        }
        return migrator
    }
}
