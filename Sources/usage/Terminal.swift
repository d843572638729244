import Foundation
import UsageKit

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A full-screen terminal session: the alternate screen, no cursor, keys read one at a time without echo; and
/// everything as it was once `restore()` runs. Ctrl-C still raises SIGINT, which the monitor handles.
final class FullScreen {
    private var saved = termios()
    private var active = false

    init() throws {
        guard tcgetattr(STDIN_FILENO, &saved) == 0 else {
            throw UsageError.invalidArgument("standard input is not a terminal")
        }
        enter()
    }

    /// Takes the terminal: again after a suspension, when the shell has had it back.
    func enter() {
        guard !active else { return }
        var raw = saved
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO)
        // poll() says when a key is there: a read then returns at least one byte.
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw)
        active = true
        // The alternate screen, no cursor, no line wrap at the right edge; the first frame clears it.
        Self.send("\u{1B}[?1049h\u{1B}[?25l\u{1B}[?7l")
    }

    /// Gives the terminal back and stops, as Ctrl-Z asks; takes it again once continued (`fg`).
    func suspend() {
        restore()
        kill(getpid(), SIGSTOP)
        enter()
    }

    /// Leaves the screen as it was found: main screen, cursor, line wrap, echo and line editing.
    func restore() {
        guard active else { return }
        active = false
        Self.send("\u{1B}[0m\u{1B}[?7h\u{1B}[?25h\u{1B}[?1049l")
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
    }

    /// The terminal's columns and rows; 80 by 24 when it does not say.
    static func size() -> (width: Int, height: Int) {
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0, size.ws_row > 0 else {
            return (80, 24)
        }
        return (Int(size.ws_col), Int(size.ws_row))
    }

    /// A whole frame in one write: rows that changed since `previous` are rewritten in place, the others left
    /// alone, so nothing flickers; inside a synchronized update for terminals that keep one.
    static func draw(_ rows: [String], over previous: [String]?) {
        // Without a previous frame (the first, after a resize, Ctrl-L or Ctrl-Z) the screen is cleared first: what
        // the terminal kept is unknown. A frame has a row for each of the screen's, and a new size always comes
        // with a fresh frame, so nothing below the last row is ever left to clear.
        var out = "\u{1B}[?2026h" + (previous == nil ? "\u{1B}[H\u{1B}[2J" : "")
        for (index, row) in rows.enumerated() where previous.map({ index >= $0.count || $0[index] != row }) ?? true {
            // The row is cleared first: clearing after it would take its last character when it fills the width.
            out += "\u{1B}[\(index + 1);1H\u{1B}[2K" + row + "\u{1B}[0m"
        }
        send(out + "\u{1B}[?2026l")
    }

    static func send(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { write(STDOUT_FILENO, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return }
            offset += n
        }
    }
}

/// Signals turned into bytes on a pipe, so that one poll() waits for keys, signals and refreshes alike.
enum SignalPipe {
    nonisolated(unsafe) private static var fds: [Int32] = [-1, -1]

    /// The end to poll; each signal of `signals` then writes its number to it.
    static func install(_ signals: [Int32]) -> (read: Int32, write: Int32) {
        _ = fds.withUnsafeMutableBufferPointer { pipe($0.baseAddress!) }
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        writeEnd = fds[1]
        // Unblocked too: a parent may have left some blocked, and a blocked Ctrl-C would never reach the monitor.
        var set = sigset_t()
        sigemptyset(&set)
        for number in signals { sigaddset(&set, number) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        for number in signals {
            signal(number) { number in
                var byte = UInt8(truncatingIfNeeded: number)
                _ = write(SignalPipe.writeEnd, &byte, 1)
            }
        }
        return (fds[0], fds[1])
    }

    nonisolated(unsafe) static var writeEnd: Int32 = -1
}
