import Foundation
import GRDB

extension SQLiteStorage {
    func priceImports() throws -> [PriceImport] {
        let sql = "SELECT effective_from, source, document FROM price_imports ORDER BY id"
        return try StoredImport.fetchAll(db, sql: sql).map {
            try PriceImport.parse(Data($0.document.utf8), source: $0.source, effectiveFrom: $0.effectiveFrom)
        }
    }

    func addPriceImport(_ imported: PriceImport, at importedAt: Int64) throws {
        try db.execute(
            sql: "INSERT INTO price_imports (effective_from, source, imported_at, document) VALUES (?, ?, ?, ?)",
            arguments: [imported.effectiveFrom, imported.source, importedAt, try imported.checkedDocument()])
    }
}

/// A row of `price_imports`, decoded from its columns by their names.
private struct StoredImport: FetchableRecord, Decodable {
    static var databaseColumnDecodingStrategy: DatabaseColumnDecodingStrategy { .convertFromSnakeCase }

    var effectiveFrom: Int64?
    var source: String
    var document: String
}

extension PriceTable {
    /// The table in force: the built-in one with the stored imports, oldest first.
    static func effective(_ storage: some UsageStorage) throws -> PriceTable {
        builtIn.merging(try storage.priceImports())
    }

    /// The table in force in the transaction of `db`.
    static func effective(_ db: Database) throws -> PriceTable { try effective(SQLiteStorage(db)) }
}
