import ArdakuFormat
import CArdakuSys
import Glibc
import Synchronization

/// One writer at a time: the lock every store that opens an image, a device or a
/// standalone ZEST/CAS file holds for as long as it has the file open (docs/CONCURRENCY.md).
///
/// Writers hold it exclusive, readers shared: `flock(2)` on the store's open file, and, for
/// a writer on a block device, also an `O_EXCL` open of the device, as mke2fs and e2fsck
/// do, so that a mounted device or another exclusive opener is refused too.
///
/// A process holds at most one lock per file: flock locks belong to the open file
/// description, so a second store on the same file (a tool that probes read-only before it
/// writes, fsck trying a standalone ZEST file on the image it has open) would conflict with
/// the process's own first lock. `acquire` hands the lock the process already holds to every
/// later store of that file, and the lock lives until the last of them goes.
public final class VolumeLock: @unchecked Sendable {
    public enum Access: Sendable, Equatable {
        /// Readers: any number at once, no writer.
        case shared
        /// A writer: nobody else.
        case exclusive
    }

    /// What to do when another process holds the volume: the `--wait[=SECONDS]` option.
    public enum Waiting: Sendable, Equatable {
        /// Fail at once with the busy error (the default).
        case no
        /// Wait as long as it takes (`--wait`).
        case forever
        /// Wait at most this many seconds, then fail with the busy error (`--wait=SECONDS`).
        case seconds(Double)

        /// The value `--wait=VALUE` gives; `forever` is what a bare `--wait` becomes
        /// (`WaitOption.normalize`). Nil for anything but a non-negative number of seconds.
        public init?(optionValue: String) {
            if optionValue == "forever" { self = .forever; return }
            guard let seconds = Double(optionValue), seconds.isFinite, seconds >= 0 else { return nil }
            self = .seconds(seconds)
        }

        /// `arguments` with each bare `--wait` (before a `--`) spelled `--wait=forever`:
        /// command-line parsers want an option's value, and a bare `--wait` has none.
        public static func normalize(_ arguments: [String]) -> [String] {
            var result = arguments
            for index in result.indices {
                if result[index] == "--" { break }
                if result[index] == "--wait" { result[index] = "--wait=forever" }
            }
            return result
        }
    }

    /// How long the stores this process opens wait for a busy volume. Set once, from the
    /// command line, before the first store opens.
    public static var waiting: Waiting {
        get { settings.withLock { $0 } }
        set { settings.withLock { $0 = newValue } }
    }

    private static let settings = Mutex<Waiting>(.no)

    public let path: String
    public let isBlockDevice: Bool
    public private(set) var access: Access
    /// Whether `access` has been granted yet (a new lock holds nothing until `make` succeeds).
    private var isHeld = false
    /// A duplicate of the first store's descriptor: the open file description the flock
    /// belongs to, kept open as long as the lock lives.
    private let descriptor: CInt
    /// The `O_EXCL` open of a block device a writer holds; -1 otherwise.
    private var exclusiveOpen: CInt = -1
    private let key: FileKey
    /// `st_dev` and `st_ino` of the locked file, as /proc/locks names it.
    private let fileDevice: UInt64
    private let fileInode: UInt64

    /// The file a lock is for: the device for block devices (O_EXCL claims the device, by
    /// any node), the file's identity otherwise.
    private struct FileKey: Hashable {
        var device: UInt64
        var inode: UInt64
    }

    private struct HeldLock {
        weak var lock: VolumeLock?
    }

    /// The locks this process holds, by file.
    private static let held = Mutex<[FileKey: HeldLock]>([:])

    private init(path: String, descriptor: CInt, info: stat) {
        self.path = path
        self.descriptor = descriptor
        let isBlock = info.st_mode & S_IFMT == S_IFBLK
        isBlockDevice = isBlock
        access = .shared
        fileDevice = UInt64(info.st_dev)
        fileInode = UInt64(info.st_ino)
        key = isBlock ? FileKey(device: UInt64(info.st_rdev), inode: 0) : FileKey(device: fileDevice, inode: fileInode)
    }

    deinit {
        if exclusiveOpen >= 0 { close(exclusiveOpen) }
        // Closing the last descriptor of the open file description releases the flock.
        close(descriptor)
        let key = self.key
        Self.held.withLock { locks in
            if locks[key]?.lock == nil { locks[key] = nil }
        }
    }

    /// The lock on the file open on `descriptor` (named `path` in messages), taken with
    /// `access` now, or the one this process already holds on that file (made exclusive if
    /// `access` asks for more). Waits as `VolumeLock.waiting` says.
    /// - Throws: `StoreError.busy` when another process holds the file (or, for a writer,
    ///   the block device is mounted or held exclusively) and waiting did not help;
    ///   `.system` when a call fails otherwise.
    public static func acquire(_ access: Access, descriptor: CInt, path: String) throws(StoreError) -> VolumeLock {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw .system(operation: "fstat \(path)", errno: errno, offset: nil) }
        let isBlock = info.st_mode & S_IFMT == S_IFBLK
        let key = isBlock ? FileKey(device: UInt64(info.st_rdev), inode: 0) : FileKey(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
        // Taken out of the registry's mutex before anything else happens: a lock released
        // inside it would run its deinit there, which takes the mutex again.
        let existing = held.withLock { $0[key]?.lock }
        if let existing {
            if access == .exclusive && existing.access == .shared { try existing.make(.exclusive) }
            return existing
        }
        let duplicate = fcntl(descriptor, F_DUPFD_CLOEXEC, 0)
        guard duplicate >= 0 else { throw .system(operation: "dup \(path)", errno: errno, offset: nil) }
        let lock = VolumeLock(path: path, descriptor: duplicate, info: info)
        try lock.make(access)
        held.withLock { $0[key] = HeldLock(lock: lock) }
        return lock
    }

    /// Why a try failed.
    private enum Conflict {
        /// Another open file holds a conflicting flock.
        case locked
        /// The block device is mounted or another program opened it with O_EXCL.
        case claimed
    }

    /// Takes the flock (and, for a writer on a block device, the O_EXCL open) with `wanted`,
    /// trying again every few milliseconds while `waiting` allows.
    private func make(_ wanted: Access) throws(StoreError) {
        let waiting = Self.waiting
        let start = Self.monotonicSeconds()
        var pause = 0.005
        while true {
            let conflict: Conflict
            let rc = ardaku_flock_try(descriptor, wanted == .exclusive ? 1 : 0)
            if rc == 0 {
                guard wanted == .exclusive, isBlockDevice, exclusiveOpen < 0 else {
                    access = wanted
                    isHeld = true
                    return
                }
                let opened = path.withCString { ardaku_open_exclusive($0) }
                if opened >= 0 {
                    exclusiveOpen = opened
                    access = wanted
                    isHeld = true
                    return
                }
                guard opened == -EBUSY else {
                    giveUp()
                    throw .system(operation: "open O_EXCL \(path)", errno: -opened, offset: nil)
                }
                conflict = .claimed
            } else if rc == -EWOULDBLOCK {
                // A failed conversion from shared drops the shared lock (flock(2)): take it
                // back, so that the stores already open keep readers-only company.
                if wanted == .exclusive { giveUp() }
                conflict = .locked
            } else {
                giveUp()
                throw .system(operation: "flock \(path)", errno: -rc, offset: nil)
            }
            let waited = Self.monotonicSeconds() - start
            switch waiting {
            case .no:
                giveUp()
                throw .busy(busyMessage(conflict, waitedSeconds: nil))
            case .seconds(let limit) where waited >= limit:
                giveUp()
                throw .busy(busyMessage(conflict, waitedSeconds: limit))
            case .seconds(let limit):
                Self.sleep(min(pause, limit - waited))
            case .forever:
                Self.sleep(pause)
            }
            // Short pauses first (a writer often finishes in milliseconds), at most 0.1 s.
            pause = min(pause * 2, 0.1)
        }
    }

    /// Leaves the flock as `access` says after a failed `make`: a conversion that failed
    /// (or got the flock but not the device) goes back to shared for the stores already open.
    private func giveUp() {
        if isHeld && access == .shared { _ = ardaku_flock_try(descriptor, 0) }
    }

    /// "in use by another process (pid 12345 holds it for writing); try again, or use --wait".
    private func busyMessage(_ conflict: Conflict, waitedSeconds: Double?) -> String {
        let advice = waitedSeconds.map { "; gave up after waiting \(Self.format(seconds: $0)) s" } ?? "; try again, or use --wait"
        switch conflict {
        case .claimed:
            if let mountPoint = MountCheck.mountPoint(of: path) { return "mounted on \(mountPoint)" + advice }
            if MountCheck.isActiveSwap(path) { return "in use as swap (swapoff it first)" }
            return "in use by the system or another program (opened with O_EXCL)" + advice
        case .locked:
            let holders = Self.holders(device: fileDevice, inode: fileInode).filter { $0.pid != getpid() }
            guard let first = holders.first else { return "in use by another process" + advice }
            let purpose = first.writing ? "writing" : "reading"
            if holders.count == 1 { return "in use by another process (pid \(first.pid) holds it for \(purpose))" + advice }
            let pids = holders.map { String($0.pid) }.joined(separator: ", ")
            return "in use by other processes (pids \(pids) hold it for \(purpose))" + advice
        }
    }

    /// A flock holder /proc/locks names.
    public struct Holder: Equatable, Sendable {
        public var pid: Int32
        public var writing: Bool

        public init(pid: Int32, writing: Bool) {
            self.pid = pid
            self.writing = writing
        }
    }

    /// The processes /proc/locks says hold a flock on the file with `st_dev` `device` and
    /// inode `inode` (for a block device node, the node's own); empty when it cannot be read.
    public static func holders(device: UInt64, inode: UInt64) -> [Holder] {
        guard let text = readProcLocks() else { return [] }
        return holders(inProcLocks: text, major: ardaku_device_major(device), minor: ardaku_device_minor(device), inode: inode)
    }

    /// Lines such as `1: FLOCK  ADVISORY  WRITE 12345 fd:01:1234567 0 EOF`; a waiter's line
    /// has "->" after the number and holds nothing yet.
    public static func holders(inProcLocks text: String, major: UInt32, minor: UInt32, inode: UInt64) -> [Holder] {
        var result: [Holder] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 6, fields[1] == "FLOCK", fields[3] == "READ" || fields[3] == "WRITE",
                  let pid = Int32(fields[4]) else { continue }
            let file = fields[5].split(separator: ":")
            guard file.count == 3, UInt32(file[0], radix: 16) == major, UInt32(file[1], radix: 16) == minor,
                  UInt64(file[2]) == inode else { continue }
            let holder = Holder(pid: pid, writing: fields[3] == "WRITE")
            if !result.contains(holder) { result.append(holder) }
        }
        return result
    }

    private static func readProcLocks() -> String? {
        let descriptor = open("/proc/locks", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            bytes += buffer[0..<count]
            // A machine with millions of locks: the first 16 MiB name the holder or nobody does.
            if bytes.count > 16 << 20 { break }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    private static func sleep(_ seconds: Double) {
        guard seconds > 0 else { return }
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }

    private static func format(seconds: Double) -> String {
        seconds == seconds.rounded() && seconds < 1e15 ? String(Int64(seconds)) : String(seconds)
    }
}
