import Foundation

/// How zoneless timestamps are read: as UTC, or in a named time zone.
public struct TimeZoneRule: Sendable, Equatable {
    private let zone: TimeZone?

    public static func == (a: TimeZoneRule, b: TimeZoneRule) -> Bool { a.name == b.name }

    public static let utc = TimeZoneRule(zone: nil)

    /// A rule for an IANA zone name such as `Europe/Paris`; nil when the name is unknown.
    public init?(identifier: String) {
        if identifier.uppercased() == "UTC" || identifier == "Z" {
            zone = nil
            return
        }
        guard let tz = TimeZone(identifier: identifier) else { return nil }
        zone = tz
    }

    private init(zone: TimeZone?) { self.zone = zone }

    /// Seconds east of UTC in force at a local wall-clock time given as milliseconds read as if UTC.
    func offset(localMillis: Int64) -> Int {
        guard let zone else { return 0 }
        let guess = Date(timeIntervalSince1970: Double(localMillis) / 1000)
        let first = zone.secondsFromGMT(for: guess)
        // Re-evaluate at the corrected instant so times near a transition use the right offset.
        return zone.secondsFromGMT(for: guess.addingTimeInterval(-Double(first)))
    }

    var offset: (Int64) -> Int { { self.offset(localMillis: $0) } }

    /// The zone of this machine.
    public static var local: TimeZoneRule { TimeZoneRule(zone: TimeZone.current) }

    /// Seconds east of UTC at an instant (milliseconds since 1970 UTC).
    public func offset(utcMillis: Int64) -> Int {
        guard let zone else { return 0 }
        return zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(utcMillis) / 1000))
    }

    /// The zone's name, for reports.
    public var name: String { zone?.identifier ?? "UTC" }

    /// Whether local days are made of whole UTC hours (no half-hour or 45-minute offsets this year or the next).
    var hasWholeHourOffsets: Bool {
        guard let zone else { return true }
        let now = Date()
        return stride(from: -400, through: 400, by: 10).allSatisfy { day in
            zone.secondsFromGMT(for: now.addingTimeInterval(Double(day) * 86_400)) % 3600 == 0
        }
    }

    /// The local day an instant falls on, counted in days since 1970-01-01 (local).
    func localDay(utcMillis: Int64) -> Int {
        let local = utcMillis + Int64(offset(utcMillis: utcMillis)) * 1000
        // Floor division: an instant before 1970 falls on a day before day 0.
        let days = local / 86_400_000
        return Int(local % 86_400_000 < 0 ? days - 1 : days)
    }

    /// An instant as the zone's clock reads it: `YYYY-MM-DD HH:MM`.
    public func clock(utcMillis: Int64) -> String {
        let local = utcMillis + Int64(offset(utcMillis: utcMillis)) * 1000
        let minutes = Int(((local % 86_400_000) + 86_400_000) % 86_400_000 / 60_000)
        let day = Timestamp.dayString(days: localDay(utcMillis: utcMillis))
        return day + " " + String(format: "%02d:%02d", minutes / 60, minutes % 60)
    }

    /// The local day, week and month of an instant.
    func calendar(utcMillis: Int64) -> LocalCalendar {
        let days = localDay(utcMillis: utcMillis)
        let monday = Timestamp.monday(ofDay: days)
        let day = Timestamp.dayString(days: days)
        return LocalCalendar(day: day, week: Timestamp.dayString(days: monday), month: String(day.prefix(7)))
    }

    /// Milliseconds since 1970 UTC of local midnight starting the day `days` (since 1970-01-01, local).
    func startOfDay(_ days: Int) -> Int64 {
        let local = Int64(days) * 86_400_000
        let instant = local - Int64(offset(localMillis: local)) * 1000
        if instant + Int64(offset(utcMillis: instant)) * 1000 == local { return instant }
        // The clocks skip this midnight (Santiago, Havana): the day starts at the change, the instant the clock
        // before it would have read midnight, which is the later of the two readings.
        return max(instant, local - Int64(offset(utcMillis: instant)) * 1000)
    }
}

/// Where an instant falls in a zone's calendar, as reports label it.
struct LocalCalendar: Sendable, Equatable {
    /// `2026-11-02`.
    var day: String
    /// The week's Monday, `2026-11-02`.
    var week: String
    /// `2026-11`.
    var month: String
}
