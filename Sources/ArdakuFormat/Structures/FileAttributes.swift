/// What a file is besides its name and content: its kind, permissions, owner, times,
/// device number, symbolic-link target and extended attributes (issue 17). The one model
/// the three formats encode (each in its own structure, docs/FORMAT.md) and the host
/// walker and restorer read and write; no I/O here.
public struct FileAttributes: Equatable, Sendable {
    /// Kinds of file a volume can hold. Sockets are not among them: they are meaningful
    /// only while a process listens, and tar, mke2fs -d and mkfs.erofs skip or warn too.
    public enum Kind: UInt8, CaseIterable, Sendable, CustomStringConvertible {
        case regular = 0
        case directory = 1
        case symbolicLink = 2
        case fifo = 3
        case characterDevice = 4
        case blockDevice = 5

        /// The S_IFMT bits of the kind (Linux and POSIX values).
        public var modeBits: UInt32 {
            switch self {
            case .regular: 0o100000
            case .directory: 0o040000
            case .symbolicLink: 0o120000
            case .fifo: 0o010000
            case .characterDevice: 0o020000
            case .blockDevice: 0o060000
            }
        }

        /// The kind whose S_IFMT bits `mode` carries; nil for a socket or nonsense.
        public init?(modeBits mode: UInt32) {
            guard let kind = Self.allCases.first(where: { $0.modeBits == mode & 0o170000 }) else { return nil }
            self = kind
        }

        /// As `ls -l` spells it in its first column.
        public var letter: Character {
            switch self {
            case .regular: "-"
            case .directory: "d"
            case .symbolicLink: "l"
            case .fifo: "p"
            case .characterDevice: "c"
            case .blockDevice: "b"
            }
        }

        public var description: String {
            switch self {
            case .regular: "regular file"
            case .directory: "directory"
            case .symbolicLink: "symbolic link"
            case .fifo: "FIFO"
            case .characterDevice: "character device"
            case .blockDevice: "block device"
            }
        }
    }

    /// A point in time with nanoseconds, as stat(2) gives it.
    public struct Timestamp: Comparable, Hashable, Sendable {
        public var seconds: Int64
        /// 0 ..< 1,000,000,000.
        public var nanoseconds: UInt32

        public init(seconds: Int64, nanoseconds: UInt32 = 0) {
            self.seconds = seconds
            self.nanoseconds = nanoseconds
        }

        public static func < (a: Timestamp, b: Timestamp) -> Bool {
            (a.seconds, a.nanoseconds) < (b.seconds, b.nanoseconds)
        }
    }

    /// A device number as major and minor (Linux's 12 + 20 bits fit; more is refused).
    public struct DeviceNumber: Hashable, Sendable {
        public var major: UInt32
        public var minor: UInt32
        public init(major: UInt32, minor: UInt32) {
            self.major = major
            self.minor = minor
        }
    }

    /// One extended attribute: a name with its namespace ("user.mime_type",
    /// "security.selinux", "system.posix_acl_access") and a value of any bytes.
    public struct ExtendedAttribute: Hashable, Sendable {
        public var name: [UInt8]
        public var value: [UInt8]
        public init(name: [UInt8], value: [UInt8]) {
            self.name = name
            self.value = value
        }
    }

    public var kind: Kind
    /// The permission bits: 0o7777 (setuid, setgid, sticky and rwx for owner, group, others).
    public var permissions: UInt16
    public var owner: UInt32
    public var group: UInt32
    public var modificationTime: Timestamp
    public var accessTime: Timestamp
    /// When the attributes last changed (stored and shown; a restore cannot set it).
    public var changeTime: Timestamp
    /// For a character or block device; nil for every other kind.
    public var device: DeviceNumber?
    /// For a symbolic link: the target as stored, never followed; empty for every other kind.
    public var symbolicLinkTarget: [UInt8]
    /// Sorted by name (byte order), names unique.
    public var extendedAttributes: [ExtendedAttribute]

    public init(kind: Kind, permissions: UInt16, owner: UInt32 = 0, group: UInt32 = 0,
                modificationTime: Timestamp, accessTime: Timestamp? = nil, changeTime: Timestamp? = nil,
                device: DeviceNumber? = nil, symbolicLinkTarget: [UInt8] = [], extendedAttributes: [ExtendedAttribute] = []) {
        self.kind = kind
        self.permissions = permissions
        self.owner = owner
        self.group = group
        self.modificationTime = modificationTime
        self.accessTime = accessTime ?? modificationTime
        self.changeTime = changeTime ?? modificationTime
        self.device = device
        self.symbolicLinkTarget = symbolicLinkTarget
        self.extendedAttributes = extendedAttributes
    }

    /// st_mode: the kind's bits and the permissions.
    public var mode: UInt32 { kind.modeBits | UInt32(permissions & 0o7777) }

    /// The bounds every format and the host walker hold attributes to (docs/FORMAT.md).
    public enum Limits {
        /// Longest symbolic-link target: PATH_MAX less its NUL.
        public static let maxSymbolicLinkTargetBytes = 4095
        /// Longest extended-attribute name, namespace included (Linux's XATTR_NAME_MAX).
        public static let maxExtendedAttributeNameBytes = 255
        /// Largest value of one extended attribute: what ext4 keeps in one 4 KiB block.
        public static let maxExtendedAttributeValueBytes = 4096
        /// Most extended attributes on one file.
        public static let maxExtendedAttributes = 64
        /// Most bytes of names and values of one file's extended attributes together.
        public static let maxExtendedAttributeBytes = 8192
        /// Most names one file may have (hard links; ext4's EXT4_LINK_MAX).
        public static let maxLinkCount: UInt32 = 65_000
        /// Largest major and minor device numbers (Linux: 12 and 20 bits).
        public static let maxDeviceMajor: UInt32 = (1 << 12) - 1
        public static let maxDeviceMinor: UInt32 = (1 << 20) - 1
    }

    /// Why these attributes cannot be stored, or nil: each limit, a kind's parts (a link's
    /// target, a device's number) present exactly when the kind has them, nanoseconds in
    /// range, extended attributes sorted, unique, with non-empty names and no NUL in a name.
    public var problem: String? {
        if permissions & ~0o7777 != 0 { return "permission bits beyond 0o7777: 0o\(String(permissions, radix: 8))" }
        for (what, time) in [("modification", modificationTime), ("access", accessTime), ("change", changeTime)]
            where time.nanoseconds >= 1_000_000_000 {
            return "\(what) time has \(time.nanoseconds) nanoseconds"
        }
        switch kind {
        case .symbolicLink:
            if symbolicLinkTarget.isEmpty { return "symbolic link without a target" }
            if symbolicLinkTarget.count > Limits.maxSymbolicLinkTargetBytes {
                return "symbolic-link target of \(symbolicLinkTarget.count) bytes (at most \(Limits.maxSymbolicLinkTargetBytes))"
            }
            if symbolicLinkTarget.contains(0) { return "symbolic-link target contains a NUL byte" }
        default:
            if !symbolicLinkTarget.isEmpty { return "a \(kind) with a symbolic-link target" }
        }
        switch (kind, device) {
        case (.characterDevice, nil), (.blockDevice, nil): return "\(kind) without a device number"
        case (.characterDevice, let number?), (.blockDevice, let number?):
            if number.major > Limits.maxDeviceMajor || number.minor > Limits.maxDeviceMinor {
                return "device number \(number.major):\(number.minor) beyond 12-bit major, 20-bit minor"
            }
        case (_, .some): return "a \(kind) with a device number"
        default: break
        }
        if extendedAttributes.count > Limits.maxExtendedAttributes {
            return "\(extendedAttributes.count) extended attributes (at most \(Limits.maxExtendedAttributes))"
        }
        var total = 0
        for (index, attribute) in extendedAttributes.enumerated() {
            if attribute.name.isEmpty || attribute.name.count > Limits.maxExtendedAttributeNameBytes || attribute.name.contains(0) {
                return "extended attribute name of \(attribute.name.count) bytes (1 to \(Limits.maxExtendedAttributeNameBytes), no NUL)"
            }
            if attribute.value.count > Limits.maxExtendedAttributeValueBytes {
                return "extended attribute \(QuotedName.quotedName(attribute.name)) has \(attribute.value.count) bytes (at most \(Limits.maxExtendedAttributeValueBytes))"
            }
            if index > 0, !extendedAttributes[index - 1].name.lexicographicallyPrecedes(attribute.name) {
                return "extended attributes not in ascending byte order of names (or repeated): \(QuotedName.quotedName(attribute.name))"
            }
            total += attribute.name.count + attribute.value.count
        }
        if total > Limits.maxExtendedAttributeBytes {
            return "extended attributes of \(total) bytes together (at most \(Limits.maxExtendedAttributeBytes))"
        }
        return nil
    }
}
