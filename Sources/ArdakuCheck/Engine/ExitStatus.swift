/// fsck's exit status: the bit mask e2fsck and fsck(8) use.
public struct ExitStatus: OptionSet, Sendable, Codable, Hashable, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// 0: no errors.
    public static let clean: ExitStatus = []
    /// 1: errors were found and corrected.
    public static let errorsCorrected = ExitStatus(rawValue: 1)
    /// 2: errors corrected, the system should be rebooted (never set: a mounted volume is
    /// never repaired).
    public static let rebootNeeded = ExitStatus(rawValue: 2)
    /// 4: errors left uncorrected.
    public static let errorsUncorrected = ExitStatus(rawValue: 4)
    /// 8: operational error (cannot open, cannot find a system information block, I/O error).
    public static let operationalError = ExitStatus(rawValue: 8)
    /// 16: usage or syntax error.
    public static let usageError = ExitStatus(rawValue: 16)
    /// 32: cancelled by the user.
    public static let cancelled = ExitStatus(rawValue: 32)
    /// 128: shared-library error (never set).
    public static let libraryError = ExitStatus(rawValue: 128)

    public var description: String { String(rawValue) }
}
