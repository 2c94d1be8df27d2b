import CArdakuSys
import Glibc

/// Is a device, or an image file behind a loop device, mounted or otherwise in use?
public enum MountCheck {
    /// Where `path` is mounted, or nil. For a block device, compares its device number with
    /// every mount's; for an image file, also looks for a loop device backed by it.
    public static func mountPoint(of path: String) -> String? {
        guard case .success(let info) = SystemCalls.pathInfo(path) else { return nil }
        var devices: [UInt64] = []
        switch info.kind {
        case .blockDevice:
            devices = [info.deviceNumber]
        case .regularFile:
            devices = loopDevices(backedBy: path, inode: info.inode, device: info.deviceNumber)
        default:
            return nil
        }
        guard !devices.isEmpty, let mountInfo = HostPaths.readSmallFile("/proc/self/mountinfo").map({ String(decoding: $0, as: UTF8.self) }) else { return nil }
        for line in mountInfo.split(separator: "\n") {
            // Fields: id parent major:minor root mountpoint ...
            let fields = line.split(separator: " ")
            guard fields.count > 4 else { continue }
            let numbers = fields[2].split(separator: ":")
            guard numbers.count == 2, let major = UInt64(numbers[0]), let minor = UInt64(numbers[1]) else { continue }
            if devices.contains(makeDevice(major: major, minor: minor)) { return unescape(String(fields[4])) }
        }
        return nil
    }

    /// True when the kernel holds the block device exclusively (mounted, swap, RAID, ...).
    public static func isBusy(_ path: String) -> Bool {
        guard case .success(let info) = SystemCalls.pathInfo(path), info.kind == .blockDevice else { return false }
        return ardaku_open_exclusive_probe(path) == -EBUSY
    }

    /// Device numbers of the loop devices whose backing file is `path`.
    static func loopDevices(backedBy path: String, inode: UInt64, device: UInt64) -> [UInt64] {
        guard let entries = HostPaths.listDirectory(Array("/sys/block".utf8)) else { return [] }
        var result: [UInt64] = []
        for entry in entries.map({ String(decoding: $0, as: UTF8.self) }) where entry.hasPrefix("loop") {
            let base = "/sys/block/\(entry)"
            guard let backingPath = HostPaths.readAttribute(base + "/loop/backing_file"),
                  case .success(let backingInfo) = SystemCalls.pathInfo(backingPath),
                  backingInfo.inode == inode, backingInfo.deviceNumber == device,
                  let numbers = HostPaths.readAttribute(base + "/dev") else { continue }
            let parts = numbers.split(separator: ":")
            if parts.count == 2, let major = UInt64(parts[0]), let minor = UInt64(parts[1]) {
                result.append(makeDevice(major: major, minor: minor))
            }
        }
        return result
    }

    /// glibc's makedev: the encoding stat() uses for st_dev and st_rdev.
    static func makeDevice(major: UInt64, minor: UInt64) -> UInt64 {
        (minor & 0xFF) | ((major & 0xFFF) << 8) | ((minor & ~0xFF) << 12) | ((major & ~0xFFF) << 32)
    }

    /// mountinfo escapes space, tab, newline and backslash as octal.
    static func unescape(_ field: String) -> String {
        var result = ""
        var iterator = Array(field.utf8)[...]
        var bytes: [UInt8] = []
        while let byte = iterator.first {
            iterator = iterator.dropFirst()
            if byte == UInt8(ascii: "\\"), iterator.count >= 3,
               let value = UInt8(String(decoding: iterator.prefix(3), as: UTF8.self), radix: 8) {
                bytes.append(value)
                iterator = iterator.dropFirst(3)
            } else {
                bytes.append(byte)
            }
        }
        result = String(decoding: bytes, as: UTF8.self)
        return result
    }

    /// Whether `path` (a block device, or an image file behind a loop device) is an active
    /// swap area (/proc/swaps); the kernel holds such a device exclusively.
    public static func isActiveSwap(_ path: String) -> Bool {
        guard case .success(let info) = SystemCalls.pathInfo(path),
              let swaps = HostPaths.readSmallFile("/proc/swaps").map({ String(decoding: $0, as: UTF8.self) }) else { return false }
        let devices: [UInt64] = info.kind == .blockDevice ? [info.deviceNumber]
            : info.kind == .regularFile ? loopDevices(backedBy: path, inode: info.inode, device: info.deviceNumber) : []
        // Lines after the heading: "Filename Type Size Used Priority", names with octal escapes.
        for line in swaps.split(separator: "\n").dropFirst() {
            guard let name = line.split(separator: " ").first,
                  case .success(let swap) = SystemCalls.pathInfo(unescape(String(name))) else { continue }
            if swap.kind == .blockDevice && devices.contains(swap.deviceNumber) { return true }
            if swap.kind == .regularFile && info.kind == .regularFile && swap.inode == info.inode && swap.deviceNumber == info.deviceNumber { return true }
        }
        return false
    }
}
