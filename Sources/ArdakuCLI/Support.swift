import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import ToolCommandLine
import Glibc

/// A failure a tool reports as one line on stderr, with an exit code.
public struct ToolError: Error, CustomStringConvertible {
    public var message: String
    public var exitCode: Int32
    /// Another process holds the volume (`StoreError.busy`): the message is complete, and no
    /// hint about what else the file might be applies.
    public var isBusy: Bool
    public init(_ message: String, exitCode: Int32 = 1, isBusy: Bool = false) {
        self.message = message
        self.exitCode = exitCode
        self.isBusy = isBusy
    }
    public var description: String { message }
}

/// How every command reports a failure (`Console` itself is in ArdakuIO).
extension Console {
    /// The one-line message for an error a command failed with.
    public static func describe(_ error: any Error) -> String {
        switch error {
        case let error as ToolError: error.message
        case let error as VolumeError: error.description
        case let error as WriteFailure: error.description
        default: "\(error)"
        }
    }

    /// Runs a tool's body: one-line error messages, exit codes, strerror text in messages.
    /// SIGPIPE is ignored, so that writing to a pipe whose reader has gone (`ardaku get ... - |
    /// head -c1`) is the error EPIPE, reported and exit status 1, not a silent death by signal.
    public static func run(tool: String, _ body: () throws -> Int32) -> Never {
        signal(SIGPIPE, SIG_IGN)
        SystemCalls.installErrnoDescriptions()
        SystemCalls.reportMappingErrors(tool: tool, exitStatus: 1)
        let code: Int32
        do {
            code = try body()
        } catch {
            Console.error(tool, describe(error))
            code = (error as? ToolError)?.exitCode ?? 1
        }
        fflush(nil)
        exit(code)
    }
}

/// The progress of a long operation, as one line redrawn in place on standard error when
/// it is a terminal (and nothing elsewhere): a bar, the percentage, bytes done of the total,
/// files, and the time left, as fsck -C 0 draws its bar. Without a total (a restore whose
/// size is not known ahead) it counts bytes and files.
///
///     Storing   [========            ]  40%  10.2 MiB of 25.6 MiB  120/300 files  0:03 left
public final class ProgressBar {
    private let label: String
    private let enabled: Bool
    private let totalBytes: UInt64?
    private let totalFiles: Int?
    private let started = TimeFormat.monotonicSeconds
    private var lastDraw = -1.0
    private var drawn = false
    static let barWidth = 16

    public init(_ label: String, totalBytes: UInt64? = nil, totalFiles: Int? = nil, enabled: Bool = Console.stderrIsTerminal) {
        self.label = label
        self.totalBytes = totalBytes
        self.totalFiles = totalFiles
        self.enabled = enabled
    }

    /// Redraws at most ten times a second (always with `force`).
    public func update(bytes: UInt64, files: Int, force: Bool = false) {
        guard enabled else { return }
        let now = TimeFormat.monotonicSeconds
        guard force || now - lastDraw >= 0.1 else { return }
        lastDraw = now
        draw(Self.line(label: label, bytes: bytes, totalBytes: totalBytes, files: files, totalFiles: totalFiles,
                       elapsed: now - started))
    }

    /// A closing step without a measure ("Committing 300 files...").
    public func note(_ text: String) {
        guard enabled else { return }
        draw(text)
    }

    public func finish() {
        guard enabled, drawn else { return }
        Console.write(STDERR_FILENO, "\r\u{1B}[K")
        drawn = false
    }

    private func draw(_ text: String) {
        // Cut to the terminal's width, so the line never wraps and \r redraws it whole.
        let width = Console.stderrColumns
        let shown = text.count < width ? text : String(text.prefix(max(0, width - 1)))
        Console.write(STDERR_FILENO, "\r\u{1B}[K\(shown)")
        drawn = true
    }

    /// The text of one state (no terminal needed: tests read it).
    static func line(label: String, bytes: UInt64, totalBytes: UInt64?, files: Int, totalFiles: Int?, elapsed: Double) -> String {
        var parts = [label.padded(9)]
        if let totalBytes, totalBytes > 0 {
            let fraction = min(1, Double(bytes) / Double(totalBytes))
            let filled = Int(fraction * Double(barWidth))
            parts.append("[" + String(repeating: "=", count: filled) + String(repeating: " ", count: barWidth - filled) + "]")
            parts.append("\(Int(fraction * 100))%".padded(left: 4))
            parts.append("\(ByteSize.describe(bytes)) of \(ByteSize.describe(totalBytes))")
        } else {
            parts.append(ByteSize.describe(bytes))
        }
        parts.append(totalFiles.map { "\(files)/\($0) files" } ?? Plural.count(files, "file"))
        if let totalBytes, totalBytes > bytes, bytes > 0, elapsed >= 1 {
            let left = Int((elapsed * Double(totalBytes - bytes) / Double(bytes)).rounded())
            let seconds = String(left % 60)
            parts.append("\(left / 60):\(seconds.count < 2 ? "0" + seconds : seconds) left")
        }
        return parts.joined(separator: "  ")
    }
}

/// Sizes on the command line: a number of bytes with an optional K, M, G or T suffix
/// (powers of 1024, also spelled KiB, MiB, GiB, TiB).
public enum ByteSize {
    public static func parse(_ text: String) -> UInt64? {
        var digits = Substring(text)
        var multiplier: UInt64 = 1
        for (suffixes, value) in [(["KiB", "K", "k"], UInt64(1) << 10), (["MiB", "M", "m"], UInt64(1) << 20),
                                  (["GiB", "G", "g"], UInt64(1) << 30), (["TiB", "T", "t"], UInt64(1) << 40)] {
            if let suffix = suffixes.first(where: { digits.hasSuffix($0) }) {
                digits = digits.dropLast(suffix.count)
                multiplier = value
                break
            }
        }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit), let number = UInt64(digits) else { return nil }
        let (product, overflow) = number.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : product
    }

    /// "1.5 GiB", "64 KiB", "12 bytes".
    public static func describe(_ bytes: UInt64) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        if unit == 0 { return "\(bytes) bytes" }
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? "\(Int(rounded)) \(units[unit])" : "\(rounded) \(units[unit])"
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

/// Times shown to people: UTC, ISO 8601.
public enum TimeFormat {
    public static func utc(_ seconds: UInt64) -> String {
        var time = time_t(clamping: Int64(clamping: seconds))
        var parts = tm()
        gmtime_r(&time, &parts)
        func digits(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(digits(parts.tm_year + 1900, 4))-\(digits(parts.tm_mon + 1, 2))-\(digits(parts.tm_mday, 2)) "
            + "\(digits(parts.tm_hour, 2)):\(digits(parts.tm_min, 2)):\(digits(parts.tm_sec, 2)) UTC"
    }

    /// SOURCE_DATE_EPOCH, when set to a valid number (reproducible builds).
    public static var sourceDateEpoch: UInt64? {
        getenv("SOURCE_DATE_EPOCH").flatMap { UInt64(String(cString: $0)) }
    }

    public static var now: UInt64 {
        var clock = timespec()
        clock_gettime(CLOCK_REALTIME, &clock)
        return UInt64(max(0, clock.tv_sec))
    }

    /// Seconds on a clock that never goes back, for pacing redraws.
    static var monotonicSeconds: Double {
        var clock = timespec()
        clock_gettime(CLOCK_MONOTONIC, &clock)
        return Double(clock.tv_sec) + Double(clock.tv_nsec) / 1e9
    }
}

/// The `--json` documents of ardaku and its zest and cas subcommands: `value`'s members in
/// declaration order with snake_case keys, after `"schema": schema` (docs/JSON.md).
public enum JSONOutput {
    /// The document, without its final newline (`print` adds one).
    public static func render<T: Encodable>(schema: String, _ value: T) throws -> String {
        String(try JSONValue.document(schema: schema, value).rendered.dropLast())
    }
}

extension String {
    /// The string padded with spaces to `width` on the right (left-aligned).
    public func padded(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
    var trimmingTrailingSpaces: String {
        var result = self
        while result.last == " " { result.removeLast() }
        return result
    }

    /// The string padded with spaces to `width` on the left (right-aligned).
    public func padded(left width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}

extension ParsableCommand {
    /// `main(arguments)` with e2fsprogs' exit status for a usage error: 1, where the parser's
    /// own is 64 (EX_USAGE). Help and --version exit 0; an `ExitCode` a command throws keeps
    /// its value.
    public static func runAsTool(_ arguments: [String]) -> Never {
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
            Glibc.exit(0)
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { Console.out(message) }
                Glibc.exit(0)
            }
            if !message.isEmpty { Console.err(message) }
            Glibc.exit(code == .validationFailure ? 1 : code.rawValue)
        }
    }
}
