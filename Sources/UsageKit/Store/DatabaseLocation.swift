import Foundation

/// Where the database lives when `--db` is not given.
public enum DatabaseLocation {
    /// `$USAGE_DB`, else `$XDG_DATA_HOME/usage/usage.sqlite`, else `~/.local/share/usage/usage.sqlite`.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let path = environment["USAGE_DB"], !path.isEmpty { return path }
        if let data = environment["XDG_DATA_HOME"], !data.isEmpty { return data + "/usage/usage.sqlite" }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return home + "/.local/share/usage/usage.sqlite"
    }
}
