import ArdakuIO
import ToolCommandLine

/// `--wait[=SECONDS]`, on every command that opens a volume: when another process holds the
/// volume, wait for it (as flock(1) does) instead of failing with the busy error.
///
/// A bare `--wait` reaches the parser as `--wait=forever` (`VolumeLock.Waiting.normalize`):
/// the parser has no options whose value may be left out, and "--wait IMAGE" must not take
/// the image as the number of seconds.
struct WaitOption: ParsableArguments {
    @Option(name: .customLong("wait"), help: ArgumentHelp(
        "If another process holds the volume, wait for it instead of failing: --wait as long as it takes, --wait=SECONDS at most that long (see LOCKING in ardaku(1)).",
        valueName: "seconds"))
    var value: String?

    init() {}

    /// Checks the value and makes it how long this run's stores wait: the parser validates
    /// once, before `run()`, and every command opens its volume in `run()`.
    func validate() throws {
        guard let value else { return }
        guard let waiting = VolumeLock.Waiting(optionValue: value) else {
            throw ValidationError("--wait=\(value): give a number of seconds (or --wait alone to wait as long as it takes)")
        }
        VolumeLock.waiting = waiting
    }
}

extension VolumeLock.Waiting {
    /// How long `--wait=VALUE` says to wait; `.no` without the option (nil). A plain command
    /// line with a value the parser would refuse never gets here (`ArdakuPlainCommands.read`).
    static func required(_ value: String?) throws -> Self {
        guard let value else { return .no }
        guard let waiting = Self(optionValue: value) else { throw ToolError("--wait=\(value): give a number of seconds") }
        return waiting
    }
}
