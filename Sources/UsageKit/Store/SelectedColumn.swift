import GRDB

/// The columns a query selects for a record that reads them by position, one case each, in the order selected.
///
/// For the scans that read every request: a look-up by name would cost a hash per column and row, while a
/// position costs nothing. The positions come from the cases and the SELECT list from `selection`, so the two
/// cannot drift apart.
protocol SelectedColumn: CaseIterable, RawRepresentable where RawValue == Int, AllCases == [Self] {
    /// The SQL expression selected for this column.
    var expression: String { get }
}

extension SelectedColumn {
    /// The SELECT list: every column's expression, in order.
    static var selection: String { allCases.map(\.expression).joined(separator: ", ") }

    /// The column of the token category this is, of the five selected from `first` on in the order of
    /// `TokenCounts` (as `ColumnReader.tokens(from:)` reads them).
    func tokenColumn(from first: Self) -> String { TokenColumns.names[rawValue - first.rawValue] }
}

/// A row read by the columns of `Column`: `row[.ts]`.
struct ColumnReader<Column: SelectedColumn> {
    let row: Row
    /// Where the first column is: other columns may come before them.
    let offset: Int

    init(_ row: Row, from offset: Int = 0) {
        self.row = row
        self.offset = offset
    }

    /// The value of `column`, read at its position.
    subscript<Value: DatabaseValueConvertible & StatementColumnConvertible>(_ column: Column) -> Value {
        row[offset + column.rawValue]
    }

    /// The token counts of the five columns from `first` on, in the order of `TokenCounts`.
    func tokens(from first: Column) -> TokenCounts {
        let i = offset + first.rawValue
        return TokenCounts(
            input: row[i], cacheWrite5m: row[i + 1], cacheWrite1h: row[i + 2], cacheRead: row[i + 3],
            output: row[i + 4])
    }

    /// A column selected with `wholeText`, read as its bytes.
    func wholeString(_ column: Column) -> String? { row.wholeString(offset + column.rawValue) }
}
