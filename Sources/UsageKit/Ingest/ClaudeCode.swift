import Foundation

/// Where Claude Code keeps its transcripts.
public enum ClaudeCode {
    /// The places looked at: each entry of `$CLAUDE_CONFIG_DIR` (a comma-separated list), else `~/.config/claude`
    /// and `~/.claude`; transcripts live in their `projects/` folders.
    public static func searchedPlaces(environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        if let configured = environment["CLAUDE_CONFIG_DIR"], !configured.isEmpty {
            return configured.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
                !$0.isEmpty
            }
            .map { $0 + "/projects" }
        }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return [home + "/.config/claude/projects", home + "/.claude/projects"]
    }

    /// The searched places that exist.
    public static func dataDirectories(environment: [String: String] = ProcessInfo.processInfo.environment) -> [String]
    {
        searchedPlaces(environment: environment).filter { path in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
        }
    }
}
