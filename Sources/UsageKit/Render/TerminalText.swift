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

    /// The columns `text` takes on a terminal: two for a wide character (East Asian Wide or Fullwidth, an emoji
    /// shown as one), none for a mark that combines with the one before, one otherwise.
    public static func columns(_ text: String) -> Int {
        text.reduce(0) { $0 + columns(of: $1) }
    }

    /// `text` in at most `width` columns, its last an ellipsis when anything was cut.
    public static func cut(_ text: String, to width: Int) -> String {
        guard columns(text) > width else { return text }
        guard width > 0 else { return "" }
        var out = ""
        var used = 0
        for character in text {
            let wide = columns(of: character)
            guard used + wide <= width - 1 else { break }
            out.append(character)
            used += wide
        }
        return out + "…"
    }

    static func columns(of character: Character) -> Int {
        guard let first = character.unicodeScalars.first else { return 0 }
        if character.unicodeScalars.contains(where: \.properties.isEmojiPresentation) { return 2 }
        switch first.value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
            0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x20000...0x3FFFD:
            return 2
        default:
            switch first.properties.generalCategory {
            case .nonspacingMark, .enclosingMark: return 0
            default: return 1
            }
        }
    }

    static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00..<0x20, 0x7F..<0xA0: return true  // C0 controls, DEL, C1 controls
        case 0x061C, 0x200B...0x200F, 0x2028...0x202E, 0x2060...0x2069, 0xFEFF: return true  // bidi, zero-width
        default: return false
        }
    }
}
