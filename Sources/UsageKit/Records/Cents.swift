extension USD {
    /// An amount written as a decimal number of cents (the Admin API cost report's `amount`, such as `"123.4567"`),
    /// to the nanodollar; nil when the text is not a decimal or has more than 9 decimals.
    init?(cents text: String) {
        guard let centsE9 = Decimal9.parse(text, scale: 9) else { return nil }
        // Cents to nanodollars: ÷ 100 of the value read with 9 decimals, rounded as prices are.
        self.init(nanos: Int64(Decimal9.roundHalfEven(Int128(centsE9), 100)))
    }
}
