import Foundation
import GRDB

/// The tool's SQLite database: schema, migrations and connection settings. Everything above the store reads and
/// writes through `read` and `write`, which turn database errors into `UsageError` once, here.
struct AppDatabase: Sendable {
    private let writer: any DatabaseWriter
    let path: String

    /// Set when the database was written by a newer version of the tool (it holds migrations this version does
    /// not know): reads go on, and this says so; writes are refused.
    private(set) var newerSchema: String?

    /// Runs `body` in a read transaction.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try Self.mappingErrors(path: path) { try writer.read(body) }
    }

    /// Runs `body` in a write transaction: all of it is stored, or none.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        try Self.mappingErrors(path: path) { try writer.write(body) }
    }

    /// Runs `body` with the writer, outside any transaction: for work that commits in steps of its own (`FileGroups`).
    func writeInSteps<T>(_ body: (Database) throws -> T) throws -> T {
        try Self.mappingErrors(path: path) { try writer.writeWithoutTransaction(body) }
    }

    /// Opens (creating if needed) the database at `path` in WAL mode, and migrates it.
    ///
    /// Processes that open the same new database at once are serialised, so exactly one creates the schema and
    /// switches it to WAL while the others wait (up to the busy timeout) and then find it ready. A database from a
    /// newer version of the tool is refused: writing to a schema this version does not know could corrupt it.
    static func open(path: String) throws -> AppDatabase {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw UsageError.database(path: path, reason: "cannot create directory \(directory)")
            }
        }
        return try mappingErrors(path: path) {
            try DirectoryLock.holding(directory.isEmpty ? "." : directory, timeout: busyTimeout) {
                let pool = try DatabasePool(path: path, configuration: configuration())
                let database = AppDatabase(unmigrated: pool, path: path)
                if let newer = try pool.read(Self.newerSchema) {
                    throw UsageError.database(
                        path: path,
                        reason: "it was written by a newer version of usage (schema \(newer), this version knows up to"
                            + " \(Self.schemaVersion)); upgrade usage to write to it")
                }
                try Self.migrator.migrate(pool)
                return database
            }
        }
    }

    /// Opens the database at `path` for reading only: nothing is written to it, so a read-only file, folder or
    /// mount serves. A database from an older version is migrated first where it can be written; one from a newer
    /// version is read with `newerSchema` set.
    static func openReadOnly(path: String) throws -> AppDatabase {
        try mappingErrors(path: path) {
            var database = try readOnly(path: path)
            func schemaState() throws -> (newer: String?, complete: Bool) {
                try database.read { db in
                    guard try db.tableExists("grdb_migrations") else { return (nil, false) }
                    return (try Self.newerSchema(db), try Self.migrator.hasCompletedMigrations(db))
                }
            }
            // Another process may be creating the schema right now: a half-made one reads as incomplete.
            var state = (try? schemaState()) ?? (newer: nil, complete: false)
            if state.newer == nil && !state.complete {
                // An older schema lacks what the queries read: bring it up to date once, then read.
                do {
                    _ = try open(path: path)
                } catch UsageError.database(_, let reason) {
                    throw UsageError.database(
                        path: path,
                        reason: "its schema is from an older version of usage and must be upgraded, which needs write"
                            + " access (\(reason)); run `usage ingest` once where it can be written")
                }
                database = try readOnly(path: path)
                state = try schemaState()
            }
            database.newerSchema = state.newer
            return database
        }
    }

    /// A read-only connection. A WAL database in a folder this process cannot write has no shared-memory file to
    /// read through; SQLite then reads it as immutable, which is safe while nobody can write it either.
    private static func readOnly(path: String) throws -> AppDatabase {
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw UsageError.database(path: path, reason: "the file cannot be read")
        }
        var config = configuration()
        config.readonly = true
        do {
            let queue = try DatabaseQueue(path: path, configuration: config)
            try queue.read { db in _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") }
            return AppDatabase(unmigrated: queue, path: path)
        } catch let error as DatabaseError
            where error.resultCode == .SQLITE_READONLY || error.resultCode == .SQLITE_CANTOPEN
        {
            let queue = try DatabaseQueue(path: "file:" + uriEscaped(path) + "?immutable=1", configuration: config)
            return AppDatabase(unmigrated: queue, path: path)
        }
    }

    /// `path` with the characters a URI filename gives meaning to percent-encoded.
    private static func uriEscaped(_ path: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#%")
        return path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path
    }

    private static func mappingErrors<T>(path: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as UsageError {
            throw error
        } catch let error as DatabaseError {
            throw UsageError.database(path: path, reason: error.message ?? "\(error.resultCode)")
        } catch {
            throw UsageError.database(path: path, reason: "\(error)")
        }
    }

    /// The newest schema this version writes: the number of its last migration.
    static var schemaVersion: String { schemaNumber(migrator.migrations.last ?? "") }

    /// The newest schema a newer version left in the database, or nil when this version knows every migration.
    private static func newerSchema(_ db: Database) throws -> String? {
        guard try migrator.hasBeenSuperseded(db) else { return nil }
        let known = Set(migrator.migrations)
        let unknown = try migrator.appliedIdentifiers(db).subtracting(known)
        return unknown.map(schemaNumber).max { $0.count == $1.count ? $0 < $1 : $0.count < $1.count }
    }

    /// "v3" of a migration named "v3: what it adds".
    private static func schemaNumber(_ identifier: String) -> String {
        String(identifier.prefix { $0 != ":" })
    }

    /// An in-memory database, for tests.
    static func inMemory() throws -> AppDatabase {
        try AppDatabase(writer: DatabaseQueue(configuration: configuration()), path: ":memory:")
    }

    init(writer: any DatabaseWriter, path: String) throws {
        self.writer = writer
        self.path = path
        try Self.migrator.migrate(writer)
    }

    private init(unmigrated writer: any DatabaseWriter, path: String) {
        self.writer = writer
        self.path = path
    }

    /// Seconds a process waits for another that holds the database (or its creation) before giving up.
    static let busyTimeout: TimeInterval = 30

    private static func configuration() -> Configuration {
        var config = Configuration()
        // Two processes (an ingest from cron and a report) may share the file.
        config.busyMode = .timeout(busyTimeout)
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
        migrator.registerMigration("v3: Claude Code sidechains and headless results") { db in
            try db.execute(
                sql: """
                    -- A Claude Code sidechain copy of a response yields to the parent transcript's copy.
                    ALTER TABLE requests ADD COLUMN sidechain INTEGER NOT NULL DEFAULT 0;
                    -- How many stored requests (not aggregated rows) each session has per model (normalized id):
                    -- a headless run's result counts a model's usage only where its session has none.
                    CREATE TABLE session_models (
                      session TEXT NOT NULL,
                      model_key TEXT NOT NULL,
                      requests INTEGER NOT NULL,
                      PRIMARY KEY (session, model_key)
                    ) WITHOUT ROWID;
                    -- Headless Claude Code runs' results, one row per model: kept whether or not they count, and
                    -- copied into requests (request_row) as an aggregated row while no request of their session
                    -- and model is stored.
                    CREATE TABLE headless_results (
                      id INTEGER PRIMARY KEY,
                      dedupe_key TEXT NOT NULL UNIQUE,
                      session TEXT NOT NULL,
                      model TEXT NOT NULL,
                      model_key TEXT NOT NULL,
                      ts INTEGER NOT NULL,
                      ts_from_file INTEGER NOT NULL,
                      project TEXT,
                      input_tokens INTEGER NOT NULL,
                      cache_write_5m_tokens INTEGER NOT NULL,
                      cache_write_1h_tokens INTEGER NOT NULL,
                      cache_read_tokens INTEGER NOT NULL,
                      output_tokens INTEGER NOT NULL,
                      web_search_requests INTEGER NOT NULL,
                      service_tier TEXT,
                      inference_geo TEXT,
                      speed TEXT,
                      logged_cost_nanos INTEGER,
                      run_cost_nanos INTEGER,
                      file_id INTEGER REFERENCES files(id),
                      line INTEGER NOT NULL,
                      request_row INTEGER
                    );
                    CREATE INDEX headless_results_by_session ON headless_results(session);
                    -- Read Claude Code transcripts again in whole, once, for the agent_progress copies and results
                    -- they hold (dedupe keeps what is already stored from counting twice); so too JSON documents
                    -- that gave nothing, which may be headless runs' results.
                    UPDATE files SET size = -1, consumed = 0
                    WHERE format = 'claude-code' OR (format = 'messages' AND layout = 'whole' AND requests = 0);
                    """)
            // The requests already stored, by session and model.
            var counts: [SessionModel: Int64] = [:]
            let rows = try Row.fetchCursor(
                db,
                sql: "SELECT session, model, COUNT(*) FROM requests WHERE session IS NOT NULL AND aggregated = 0"
                    + " GROUP BY 1, 2")
            while let r = try rows.next() {
                counts[SessionModel(session: r[0], modelKey: ClaudeCodeParser.modelKey(r[1])), default: 0] += r[2]
            }
            for (key, n) in counts {
                try db.execute(
                    sql: "INSERT INTO session_models (session, model_key, requests) VALUES (?, ?, ?)",
                    arguments: [key.session, key.modelKey, n])
            }
        }
        migrator.registerMigration("v4: advisor calls and compactions") { db in
            // `usage.iterations`: advisor calls (a second model's sub-inferences) and compactions, billed beside the
            // response's own tokens, each with its token categories and its part of `cost_nanos`. (The message id
            // needs no column: it is the dedupe key, `m:<id>`, of every request that has one.)
            var statements = ["ALTER TABLE requests ADD COLUMN advisor_model TEXT"]
            for prefix in ["advisor", "compaction"] {
                statements.append(
                    "ALTER TABLE requests ADD COLUMN \(prefix == "advisor" ? "advisor_calls" : "compactions")"
                        + " INTEGER NOT NULL DEFAULT 0")
                for column in [
                    "input_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens", "cache_read_tokens",
                    "output_tokens",
                ] {
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
        migrator.registerMigration("v5: requests by time") { db in
            // Listings of the latest requests and the analyses that follow requests through time read them in
            // (ts, id) order: an index on ts is one on (ts, rowid), so they stop after the rows they need and
            // sort nothing.
            try db.execute(sql: "CREATE INDEX requests_by_time ON requests(ts)")
        }
        migrator.registerMigration("v6: sums by attribute") { db in
            // The hourly rollup's figures per attribute (one row set per attribute kind: a request counts once in
            // each), hour, model as priced and model as logged; `present` is 0 for requests without the attribute,
            // whose `value` is then ''.
            try db.execute(
                sql: """
                    CREATE TABLE usage_attributes (
                      attribute TEXT NOT NULL,
                      present INTEGER NOT NULL,
                      value TEXT NOT NULL,
                      hour INTEGER NOT NULL,
                      model_key TEXT NOT NULL,
                      model TEXT NOT NULL,
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
                      advisor_calls INTEGER NOT NULL,
                      advisor_prompt_tokens INTEGER NOT NULL,
                      advisor_output_tokens INTEGER NOT NULL,
                      advisor_cost_nanos INTEGER NOT NULL,
                      compactions INTEGER NOT NULL,
                      compaction_prompt_tokens INTEGER NOT NULL,
                      compaction_output_tokens INTEGER NOT NULL,
                      compaction_cost_nanos INTEGER NOT NULL,
                      PRIMARY KEY (attribute, present, value, hour, model_key, model)
                    ) WITHOUT ROWID
                    """)
            // A database with requests already gets their sums now.
            try AttributeRollup.rebuild(db)
        }
        migrator.registerMigration("v7: cache sums by session, workflow and project") { db in
            // Per attribute (session, workflow or project) and UTC day (days since 1970), the requests' tokens
            // and stored costs split by everything their prices depend on. `present` has a bit per optional text
            // (1 the attribute's value, 2 the tier, 4 the residency, 8 the speed, 16 the context window); an
            // absent one is ''. `prompt_class` counts the long-context thresholds (100,000 and 200,000 tokens) the
            // prompt is over.
            try db.execute(
                sql: """
                    CREATE TABLE cache_daily (
                      attribute TEXT NOT NULL,
                      present INTEGER NOT NULL,
                      value TEXT NOT NULL,
                      model_key TEXT NOT NULL,
                      model TEXT NOT NULL,
                      service_tier TEXT NOT NULL,
                      inference_geo TEXT NOT NULL,
                      speed TEXT NOT NULL,
                      context_window TEXT NOT NULL,
                      day INTEGER NOT NULL,
                      aggregated INTEGER NOT NULL,
                      priced INTEGER NOT NULL,
                      prompt_class INTEGER NOT NULL,
                      rows INTEGER NOT NULL,
                      rows_with_hits INTEGER NOT NULL,
                      input_tokens INTEGER NOT NULL,
                      cache_write_5m_tokens INTEGER NOT NULL,
                      cache_write_1h_tokens INTEGER NOT NULL,
                      cache_read_tokens INTEGER NOT NULL,
                      output_tokens INTEGER NOT NULL,
                      cost_nanos INTEGER NOT NULL,
                      first_ts INTEGER NOT NULL,
                      PRIMARY KEY (attribute, present, value, model_key, model, service_tier, inference_geo, speed,
                        context_window, day, aggregated, priced, prompt_class)
                    ) WITHOUT ROWID
                    """)
            try CacheRollup.rebuild(db)
        }
        migrator.registerMigration("v8: OpenTelemetry counters") { db in
            try db.execute(
                sql: """
                    -- The last point of each cumulative counter series (OTLP metrics), to turn the next into what it
                    -- adds: a retried or late point adds nothing, a restarted series counts from zero.
                    CREATE TABLE metric_series (
                      series INTEGER PRIMARY KEY,
                      start_ns INTEGER NOT NULL,
                      time_ns INTEGER NOT NULL,
                      value REAL NOT NULL
                    );
                    -- Reports say when a period holds OpenTelemetry rows (their cache writes carry no lifetime):
                    -- this finds them without reading the others.
                    CREATE INDEX requests_from_otlp ON requests(ts) WHERE source_format = 'otlp';
                    """)
        }
        return migrator
    }
}
