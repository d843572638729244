import Foundation

/// Text bound for a terminal, made unable to drive it.
///
/// Log text and file names can hold anything: an escape sequence that recolours or clears the screen, a carriage
/// return that overwrites what a line said, C1 controls (CSI, OSC) that some terminals obey as escapes, bidi
/// controls that reorder a line, zero-width characters that hide part of it. Each is shown as a visible escape
/// (`\x1B`, `\u202E`), never passed through; everything else is left as it is.
public enum TerminalText {
    /// `text` with every character that could drive or disguise a terminal line shown as an escape.
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isUnsafe) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            guard isUnsafe(scalar) else {
                out.append(scalar)
                continue
            }
            let hex = String(scalar.value, radix: 16, uppercase: true)
            let escape =
                scalar.value < 0x100
                ? "\\x" + String(repeating: "0", count: 2 - hex.count) + hex
                : "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
            out.append(contentsOf: escape.unicodeScalars)
        }
        return String(out)
    }

    static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00..<0x20, 0x7F..<0xA0: return true  // C0 controls, DEL, C1 controls
        case 0x061C, 0x200B...0x200F, 0x2028...0x202E, 0x2060...0x2069, 0xFEFF: return true  // bidi, zero-width
        default: return false
        }
    }
}
