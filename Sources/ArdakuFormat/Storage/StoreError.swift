/// Why a page or byte store could not do what was asked.
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A system call failed; `errno` is the C error number.
    case system(operation: String, errno: Int32, offset: UInt64?)
    /// The range lies outside the store.
    case outOfRange(offset: UInt64, count: UInt64, size: UInt64)
    /// The store was opened read-only.
    case readOnly
    /// A crash simulation stopped the writer here (tests and the crash harness only).
    case simulatedCrash(afterOperations: Int)
    /// The volume file holding a nested store reported a problem (its own message).
    case backing(String)
    /// Another process holds the volume (a lock, or a block device's exclusive open);
    /// the message says who and what to do, without the path.
    case busy(String)
    /// The path is not something a volume can be on (a directory, a FIFO, a character
    /// device, a file too small or holding something else): the message says what it is.
    case notAVolume(String)
    /// A block device the kernel marks read-only (a read-only loop device, a write-protected
    /// card) was opened to be written.
    case readOnlyDevice

    public var description: String {
        switch self {
        case let .system(operation, errno, offset):
            let location = offset.map { " at byte \(Hex.format($0, width: 8))" } ?? ""
            return "\(operation) failed\(location): \(StoreError.errnoDescription(errno))"
        case let .outOfRange(offset, count, size):
            return "\(count) bytes at \(Hex.format(offset, width: 8)) lie outside the \(size)-byte store"
        case .readOnly:
            return "opened read-only"
        case .readOnlyDevice:
            return "read-only device: it cannot be written"
        case let .simulatedCrash(count):
            return "simulated crash after \(count) operations"
        case let .backing(message):
            return message
        case let .busy(message), let .notAVolume(message):
            return message
        }
    }

    /// Installed by ArdakuIO (strerror); the format layer itself does no I/O.
    nonisolated(unsafe) public static var errnoDescription: (Int32) -> String = { "errno \($0)" }
}
