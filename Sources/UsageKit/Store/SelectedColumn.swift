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

    /// A column selected with `wholeText`, read as its bytes.
    func wholeString(_ column: Column) -> String? { row.wholeString(offset + column.rawValue) }
}
