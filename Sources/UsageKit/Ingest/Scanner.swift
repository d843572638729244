import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Walks the paths an ingest is given, down to the files to read.
enum Scanner {
    /// A file to read.
    struct File: Sendable {
        var path: String
        /// The format forced on it (nil: told from its content).
        var format: SourceFormat?
        /// Named on its own, not found in a directory: a file in no known format is then an issue, not passed over.
        var named: Bool
    }

    /// The files of `sources`: each file named, and the files under each directory (recursively). A path that does
    /// not exist, or a directory that cannot be read, is an issue; the walk goes on.
    static func files(of sources: [IngestSource], onIssue: (IngestIssue) -> Void) -> [File] {
        var files: [File] = []
        for source in sources {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: source.path, isDirectory: &isDirectory) else {
                onIssue(IngestIssue(path: source.path, problem: .notFound))
                continue
            }
            if isDirectory.boolValue {
                files += Self.files(under: source.path, onIssue: onIssue).map {
                    File(path: $0, format: source.format, named: false)
                }
            } else {
                files.append(File(path: source.path, format: source.format, named: true))
            }
        }
        return files
    }

    /// Regular files under `directory`, sorted, hidden entries left out. Symbolic links to files are followed;
    /// links to directories are not (they could loop). POSIX calls, not Foundation's URLs: a re-run over
    /// thousands of unchanged files is mostly this walk.
    static func files(under directory: String, onIssue: (IngestIssue) -> Void) -> [String] {
        var result: [String] = []
        var pending = [directory.hasSuffix("/") && directory.count > 1 ? String(directory.dropLast()) : directory]
        while let current = pending.popLast() {
            guard let dir = opendir(current) else {
                onIssue(IngestIssue(path: current, problem: .unreadable(reason: String(cString: strerror(errno)))))
                continue
            }
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
                }
                if name.hasPrefix(".") { continue }
                let path = current + "/" + name
                switch Int32(entry.pointee.d_type) {
                case Int32(DT_REG): result.append(path)
                case Int32(DT_DIR): pending.append(path)
                default:
                    // A link or an unknown entry type: ask the file system, following links.
                    var info = stat()
                    guard stat(path, &info) == 0 else { continue }
                    if (info.st_mode & S_IFMT) == S_IFREG {
                        result.append(path)
                    } else if (info.st_mode & S_IFMT) == S_IFDIR && Int32(entry.pointee.d_type) == Int32(DT_UNKNOWN) {
                        pending.append(path)
                    }
                }
            }
            closedir(dir)
        }
        return result.sorted()
    }
}
