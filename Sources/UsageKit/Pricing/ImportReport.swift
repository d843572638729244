extension PriceImport {
    /// The models the import prices.
    public var modelIDs: [String] {
        switch content {
        case .table(let table): return table.models.map(\.id)
        case .statements(let statements): return statements.map(\.id)
        }
    }
}
