import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An advisory lock between processes on the folder that holds the database, taken while a database is opened
/// and migrated.
///
/// SQLite's own locks cannot cover this: two processes that both find a new database empty would both create its
/// tables, and the switch to WAL fails outright while another connection is open. The folder is locked, not a
/// file of its own: nothing extra is left beside the database, and closing the descriptor cannot release SQLite's
/// POSIX locks on the database file (which closing any descriptor of that file would).
enum DirectoryLock {
    /// Runs `body` while holding the lock on `directory`, waiting up to `timeout` seconds for it. Where the folder
    /// cannot be locked at all (a file system without `flock`), `body` runs unlocked, as it did before.
    static func holding<T>(_ directory: String, timeout: TimeInterval, _ body: () throws -> T) throws -> T {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return try body() }
        defer { close(fd) }
        let deadline = Date().addingTimeInterval(timeout)
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else { return try body() }
            guard Date() < deadline else {
                throw UsageError.database(
                    path: directory, reason: "another usage process held the database folder for over \(Int(timeout)) s"
                )
            }
            usleep(10_000)
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }
}
