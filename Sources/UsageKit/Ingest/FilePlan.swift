import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `path` made absolute against the working directory (`workingDirectory` when the caller has it already), with
/// `.` and `..` segments and repeated slashes resolved (no link is followed): the ledger's key for a file, however it
/// was spelled.
func absolutePath(_ path: String, workingDirectory: String? = nil) -> String {
    let full =
        path.hasPrefix("/") ? path : (workingDirectory ?? FileManager.default.currentDirectoryPath) + "/" + path
    // Most paths, found by walking a directory, are clean already: a re-run over thousands of unchanged files is
    // mostly this function and a `stat` per file.
    if isClean(full.utf8) { return full }
    var parts: [Substring] = []
    for part in full.split(separator: "/", omittingEmptySubsequences: true) {
        if part == "." { continue }
        if part == ".." {
            _ = parts.popLast()
            continue
        }
        parts.append(part)
    }
    return "/" + parts.joined(separator: "/")
}

/// Whether an absolute path has no empty, `.` or `..` segment and no trailing slash.
private func isClean(_ path: String.UTF8View) -> Bool {
    var segment = 0  // bytes of the current segment
    var dots = 0  // of which dots
    for byte in path.dropFirst() {
        if byte == UInt8(ascii: "/") {
            if segment == 0 || segment == dots && dots <= 2 { return false }
            (segment, dots) = (0, 0)
        } else {
            segment += 1
            if byte == UInt8(ascii: ".") { dots += 1 }
        }
    }
    return segment > 0 && !(segment == dots && dots <= 2)
}

/// What to do with one file: read it in whole, from an offset, or (when `make` returns nil) not at all.
struct FilePlan: Sendable {
    var path: String
    var absolutePath: String
    var named: Bool
    var layout: FileLayout
    /// The file's label: the format forced, else the one its content tells (for a file of JSON values, its first
    /// telling record's; each record is still read as the shape it has).
    var format: SourceFormat?
    /// The format the user forced (`--format`): every record is read as one of that format.
    var forced: SourceFormat?
    var size: Int64
    var modifiedAt: Int64
    var identity: String
    /// Byte offset and line number to resume at; nil for a whole read.
    var resumeAt: Int64?
    var resumeLine = 1
    /// Whether the ledger already knew the file (a whole re-read then replaces what it recorded).
    var known: Bool
    /// The bytes to read when they are held in memory rather than in the file at `path`, which then only names them.
    var content: [UInt8]? = nil
    /// On a resumed read, the size the file had when the run before read it: what lies before was read then.
    var readBefore: Int64 = 0
    /// The head fingerprint the ledger recorded, which a resumed file must still show.
    var expectedHeadHash: Int64? = nil

    var bytesToRead: Int64 { size - (resumeAt ?? 0) }

    /// Whether the layout and format are still to be told from the content (`detect`): a worker reads the head,
    /// not the thread that walks the tree.
    var undetected = false

    /// Whether there is anything to parse: an empty file or one in no known format is only counted.
    var needsParsing: Bool {
        if undetected { return true }
        switch layout {
        case .empty, .unknown: return false
        case .jsonLines, .jsonValues, .jsonDocument, .serverSentEvents: return true
        }
    }

    /// How long a file must be left unchanged before its unfinished end counts as final: a writer that stopped
    /// mid-line a day ago is not coming back.
    static let settledAfter: Int64 = 86_400_000

    /// Whether the file has not changed for `settledAfter`: a last line without its newline that is not valid
    /// JSON is then rejected (once), not left for a next run that would never see it finished.
    /// Bytes held in memory are whole.
    var isSettled: Bool {
        content != nil || Int64(Date().timeIntervalSince1970 * 1000) - modifiedAt > Self.settledAfter
    }

    /// A plan to read `bytes` held in memory, named `name`, as a new file holding them would be read; `receivedAt`
    /// stands in for its modification time.
    static func inMemory(_ bytes: [UInt8], name: String, receivedAt: Int64) -> FilePlan {
        let detected = FormatDetector.detect(head: Array(bytes.prefix(FormatDetector.headLength)))
        return FilePlan(
            path: name, absolutePath: name, named: true, layout: detected.layout, format: detected.format, forced: nil,
            size: Int64(bytes.count), modifiedAt: receivedAt, identity: "", known: false, content: bytes)
    }

    /// What parses usage already decoded (an OTLP request received over HTTP) into the sink, in place of reading
    /// bytes; nil for a file or bytes.
    var emit: (@Sendable (ParseContext, ParseSink) throws -> Void)? = nil

    /// A plan to store what `emit` parses, named `name`, as bytes held in memory are stored: no ledger entry, and
    /// `receivedAt` for what states no time of its own.
    static func prepared(
        name: String, format: SourceFormat, receivedAt: Int64,
        emit: @escaping @Sendable (ParseContext, ParseSink) throws -> Void
    ) -> FilePlan {
        FilePlan(
            path: name, absolutePath: name, named: true, layout: .jsonDocument, format: format, forced: nil, size: 0,
            modifiedAt: receivedAt, identity: "", known: false, content: [], emit: emit)
    }

    /// The fingerprint the ledger keeps of a file's first `length` bytes (at most `Ledger.headLength`).
    static func headHash(path: String, length: Int64) throws -> Int64 {
        let head = try FormatDetector.readHead(path: path, length: Int(min(length, Ledger.headLength)))
        return head.withUnsafeBufferPointer { Ledger.headHash($0, length: length) }
    }

    /// The layout a file is read with when a format is forced on it: as detected when it is JSON (a document stays
    /// a document, values stay values, and the forced format reads their records), else the format's own.
    static func layout(_ detected: FileLayout, readAs reading: LogReading) -> FileLayout {
        switch reading {
        case .events: return .serverSentEvents
        case .records, .lines, .document:
            switch detected {
            case .jsonDocument, .jsonValues, .jsonLines: return detected
            case .serverSentEvents, .empty, .unknown: return reading == .document ? .jsonDocument : .jsonLines
            }
        }
    }

    /// What to do with the file at `path` as its status and the ledger tell: nothing, a resumed read, or a whole
    /// read whose layout is still `undetected`.
    static func survey(
        path: String, forced: SourceFormat?, named: Bool, ledger: [String: Ledger.Entry],
        workingDirectory: String? = nil
    ) throws -> FilePlan? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw UsageError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            // A FIFO or device would block or never end.
            throw UsageError.unreadable(path: path, reason: "not a regular file")
        }
        let absolute = UsageKit.absolutePath(path, workingDirectory: workingDirectory)
        let size = Int64(info.st_size)
        let modified = Int64(info.st_mtim.tv_sec) * 1000 + Int64(info.st_mtim.tv_nsec) / 1_000_000
        let identity = "\(info.st_dev):\(info.st_ino)"
        var plan = FilePlan(
            path: path, absolutePath: absolute, named: named, layout: .unknown, format: forced, forced: forced,
            size: size,
            modifiedAt: modified, identity: identity, known: false)
        if let entry = ledger[absolute] {
            plan.known = true
            let sameFile = entry.identity == identity
            let unchanged = sameFile && entry.size == size && entry.modifiedAt == modified
            if unchanged && (forced == nil || forced == entry.format) {
                return nil
            }
            if sameFile, entry.resumable, entry.format.isLineFormat, forced == nil || forced == entry.format,
                size >= entry.consumed, entry.consumed > 0,
                try headHash(path: path, length: entry.consumed) == entry.headHash
            {
                // The same file, grown (or touched): read only what was appended.
                if size == entry.consumed && entry.size == size { return nil }
                plan.layout = .jsonLines
                plan.format = entry.format
                plan.resumeAt = entry.consumed
                plan.readBefore = entry.size
                plan.resumeLine = entry.lines + 1
                plan.expectedHeadHash = entry.headHash
                return plan
            }
        }
        plan.undetected = true
        return plan
    }

    /// Tells the layout and format of a file to read in whole from its head.
    mutating func detect() throws {
        guard undetected else { return }
        undetected = false
        let detected = try FormatDetector.detect(path: path)
        layout = detected.layout
        if let forced {
            format = forced
            if layout != .empty { layout = Self.layout(detected.layout, readAs: forced.parser.reading) }
        } else {
            format = detected.format
        }
    }
}
