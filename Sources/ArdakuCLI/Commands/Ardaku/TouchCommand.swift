import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import ToolCommandLine

extension ArdakuCommand {
    /// `ardaku touch`: touch(1) for files in a volume.
    struct Touch: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "touch", abstract: "Change the access and modification times of files (creating missing ones).",
            usage: "ardaku touch [-a] [-m] [-c] [-d <time> | -t <stamp>] [--wait[=<seconds>]] <image> <names> ...",
            discussion: """
                Without -a or -m both times change; without -d or -t they become now (or \
                SOURCE_DATE_EPOCH). TIME is @SECONDS[.FRACTION] since the epoch (@-86400 is \
                before it) or YYYY-MM-DD[Thh:mm[:ss[.FRACTION]]] in UTC; STAMP is \
                [[CC]YY]MMDDhhmm[.ss] in UTC (a volume has no time zone). A name that does not \
                exist becomes an empty file (mode 0666 less the umask, owned by the running \
                user) unless -c. Each file's change time becomes now; all names change in one \
                crash-safe commit.
                """)
        @Argument(help: "Image file or device.") var image: String
        @Argument(help: "Files to change.") var names: [String]
        @Flag(name: .customShort("a"), help: "Change the access time (alone: only it).") var accessTime = false
        @Flag(name: .customShort("m"), help: "Change the modification time (alone: only it).") var modificationTime = false
        @Flag(name: .customShort("c"), help: "Do not create files that do not exist.") var noCreate = false
        @Option(name: .customShort("d"), help: ArgumentHelp("Use TIME instead of now: @SECONDS[.FRACTION] or YYYY-MM-DD[Thh:mm[:ss[.FRACTION]]], UTC.", valueName: "time"))
        var date: String?
        @Option(name: .customShort("t"), help: ArgumentHelp("Use STAMP instead of now: [[CC]YY]MMDDhhmm[.ss], UTC.", valueName: "stamp"))
        var stamp: String?
        @OptionGroup var waiting: WaitOption

        func run() {
            ArdakuCommand.perform {
                if date != nil, stamp != nil { throw ToolError("give -d or -t, not both") }
                let given: FileAttributes.Timestamp?
                if let date {
                    guard let time = TouchTime.date(date) else {
                        throw ToolError("\(date): invalid time (give @SECONDS[.FRACTION] or YYYY-MM-DD[Thh:mm[:ss]])")
                    }
                    given = time
                } else if let stamp {
                    guard let time = TouchTime.stamp(stamp, now: TimeFormat.sourceDateEpoch ?? TimeFormat.now) else {
                        throw ToolError("\(stamp): invalid stamp (give [[CC]YY]MMDDhhmm[.ss])")
                    }
                    given = time
                } else {
                    given = nil
                }
                let both = accessTime == modificationTime
                try ArdakuCommand.changeAttributes(command: "touch", image: image, names: names, recursive: false,
                                                   missing: noCreate ? .ignored : .created) { attributes, now in
                    let time = given ?? FileAttributes.Timestamp(seconds: Int64(clamping: now))
                    if both || accessTime { attributes.accessTime = time }
                    if both || modificationTime { attributes.modificationTime = time }
                }
            }
        }
    }
}

/// The times `ardaku touch -d` and `-t` take, all in UTC.
enum TouchTime {
    typealias Timestamp = FileAttributes.Timestamp

    /// "@1700000000", "@-5.25", "2024-01-02", "2024-01-02T03:04", "2024-01-02 03:04:05.5".
    static func date(_ text: String) -> Timestamp? {
        if text.hasPrefix("@") { return seconds(text.dropFirst()) }
        var text = Substring(text)
        if text.hasSuffix("Z") { text = text.dropLast() } else if text.hasSuffix(" UTC") { text = text.dropLast(4) }
        let halves = text.split(maxSplits: 1, whereSeparator: { $0 == "T" || $0 == " " })
        guard let day = halves.first else { return nil }
        let dateParts = day.split(separator: "-", omittingEmptySubsequences: false)
        guard dateParts.count == 3, dateParts[0].count == 4, dateParts[1].count == 2, dateParts[2].count == 2,
              let year = number(dateParts[0]), let month = number(dateParts[1]), let dayOfMonth = number(dateParts[2]) else { return nil }
        var (hour, minute, second, nanoseconds) = (0, 0, 0, UInt32(0))
        if halves.count == 2 {
            let clock = halves[1].split(separator: ":", omittingEmptySubsequences: false)
            guard clock.count == 2 || clock.count == 3, clock[0].count == 2, clock[1].count == 2,
                  let h = number(clock[0]), let m = number(clock[1]) else { return nil }
            (hour, minute) = (h, m)
            if clock.count == 3 {
                let secondParts = clock[2].split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
                guard secondParts[0].count == 2, let s = number(secondParts[0]) else { return nil }
                second = s
                if secondParts.count == 2 {
                    guard let fraction = fraction(secondParts[1]) else { return nil }
                    nanoseconds = fraction
                }
            }
        }
        guard let seconds = epochSeconds(year: year, month: month, day: dayOfMonth, hour: hour, minute: minute, second: second) else { return nil }
        return Timestamp(seconds: seconds, nanoseconds: nanoseconds)
    }

    /// touch -t's [[CC]YY]MMDDhhmm[.ss]: a two-digit year 69...99 is 19YY, 00...68 20YY (as
    /// POSIX says); without a year, the year of `now`.
    static func stamp(_ text: String, now: UInt64) -> Timestamp? {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let digits = parts[0]
        guard [8, 10, 12].contains(digits.count), digits.allSatisfy({ ("0"..."9").contains($0) }) else { return nil }
        var second = 0
        if parts.count == 2 {
            guard parts[1].count == 2, let s = number(parts[1]) else { return nil }
            second = s
        }
        let fields = Array(digits)
        func field(_ start: Int, _ count: Int) -> Int { Int(String(fields[start..<start + count]))! }
        let yearDigits = digits.count - 8
        var year: Int
        switch yearDigits {
        case 4: year = field(0, 4)
        case 2: year = field(0, 2) + (field(0, 2) >= 69 ? 1900 : 2000)
        default: year = civilDate(days: Int64(now / 86_400)).year
        }
        guard let seconds = epochSeconds(year: year, month: field(yearDigits, 2), day: field(yearDigits + 2, 2),
                                         hour: field(yearDigits + 4, 2), minute: field(yearDigits + 6, 2), second: second) else { return nil }
        return Timestamp(seconds: seconds)
    }

    /// "1700000000", "-5.25": whole seconds and up to nine digits of fraction. A negative time
    /// with a fraction lies that fraction before the whole seconds, as date(1) reads it.
    private static func seconds(_ text: Substring) -> Timestamp? {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let negative = parts[0].hasPrefix("-")
        let magnitude = negative ? parts[0].dropFirst() : parts[0]
        guard !magnitude.isEmpty, magnitude.allSatisfy({ ("0"..."9").contains($0) }), let whole = Int64(magnitude) else { return nil }
        var nanoseconds: UInt32 = 0
        if parts.count == 2 {
            guard let fraction = fraction(parts[1]) else { return nil }
            nanoseconds = fraction
        }
        guard negative else { return Timestamp(seconds: whole, nanoseconds: nanoseconds) }
        if nanoseconds == 0 { return Timestamp(seconds: -whole) }
        return Timestamp(seconds: -whole - 1, nanoseconds: 1_000_000_000 - nanoseconds)
    }

    /// ".5" as 500,000,000 nanoseconds; at most nine digits.
    private static func fraction(_ digits: Substring) -> UInt32? {
        guard (1...9).contains(digits.count), let value = UInt32(digits), digits.allSatisfy({ ("0"..."9").contains($0) }) else { return nil }
        var scaled = value
        for _ in digits.count..<9 { scaled *= 10 }
        return scaled
    }

    private static func number(_ digits: Substring) -> Int? {
        guard !digits.isEmpty, digits.allSatisfy({ ("0"..."9").contains($0) }) else { return nil }
        return Int(digits)
    }

    /// Seconds since the epoch of a UTC date and time, or nil when a field is out of range
    /// (second 60 is a leap second, as touch(1) takes it).
    static func epochSeconds(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Int64? {
        guard (1...12).contains(month), (1...daysInMonth(year: year, month: month)).contains(day),
              (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second) else { return nil }
        return days(year: year, month: month, day: day) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    }

    /// Days from 1970-01-01 to the date (proleptic Gregorian; H. Hinnant's days_from_civil).
    static func days(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The inverse of `days`, for the year alone.
    static func civilDate(days: Int64) -> (year: Int, month: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let month = mp < 10 ? mp + 3 : mp - 9
        return (Int(yearOfEra + era * 400 + (month <= 2 ? 1 : 0)), Int(month))
    }
}
