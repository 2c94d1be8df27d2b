import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import ToolCommandLine
import PlainCommandLine

/// `ardaku`: everyday work on an Ardaku image.
public struct ArdakuCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "ardaku",
        abstract: "List, read, write, move and remove files in an Ardaku volume.",
        discussion: """
            Names are absolute paths such as /docs/a.txt; directories are implicit.

            ardaku is also mkfs.ardaku, fsck.zest (fsck.ardaku) and dumpfs: run by those names \
            (links to it), or as `ardaku mkfs|fsck|dump ARGUMENTS`.

            Each command locks the volume it opens: shared to read (ls, get, stat, df, label and \
            uuid without a new value), exclusive to write (put, rm, mv, chmod, chown, touch, label, uuid); a \
            volume another process holds is an error, or with --wait a wait. probe locks nothing. See \
            LOCKING in ardaku(1).
            """,
        subcommands: [List.self, Get.self, Put.self, Remove.self, Move.self, Mkdir.self, Rmdir.self, Link.self, Chmod.self, Chown.self, Touch.self,
                      Stat.self, DiskFree.self, Label.self, UUID.self, Probe.self, ZestCommand.self, CASCommand.self])

    public init() {}
}

extension ArdakuCommand {
    /// Runs a subcommand body with the tool's error reporting.
    static func perform(_ body: () throws -> Void) {
        Console.run(tool: "ardaku") { try body(); return 0 }
    }

    /// "/" + the given path with any trailing slashes removed ("/" stays "/").
    static func directoryPrefix(_ text: String) throws -> [UInt8] {
        var bytes = Array(text.utf8)
        while bytes.count > 1, bytes.last == UInt8(ascii: "/") { bytes.removeLast() }
        guard bytes.first == UInt8(ascii: "/") else { throw ToolError("\(text): names start with '/'") }
        if bytes != [UInt8(ascii: "/")] { _ = try ImageAccess.fileName(String(decoding: bytes, as: UTF8.self)) }
        return bytes
    }

    struct FileJSON: Encodable {
        var name: String
        var size: UInt64
        var type: String
        var fileID: UInt64
        var modificationTime: UInt64
        var dataPages: UInt32
        var allocatedPages: UInt32
        var extensionPages: [UInt32]
        var recordSubpage: UInt32
        var tags: [UInt32]
        var generation: UInt64
        /// What fsck recorded: "damaged_data", "unproven_attributes"; empty for a sound file.
        var damage: [String]
        /// "regular", "directory", "symbolic_link", "fifo", "character_device", "block_device".
        var kind: String
        /// st_mode: the kind's bits and the permission bits.
        var mode: UInt32
        var uid: UInt32
        var gid: UInt32
        var linkCount: UInt32
        var accessTime: TimeJSON
        var modificationTimeExact: TimeJSON
        var changeTime: TimeJSON
        /// Whether the record stores attributes (false: these are a record's defaults).
        var attributesRecorded: Bool
        var symbolicLinkTarget: String?
        /// A character or block device's number.
        var device: DeviceJSON?
        var extendedAttributes: [ExtendedAttributeJSON]

        struct DeviceJSON: Encodable {
            var major: UInt32
            var minor: UInt32
        }

        struct TimeJSON: Encodable {
            var seconds: Int64
            var nanoseconds: UInt32
            init(_ time: FileAttributes.Timestamp) {
                seconds = time.seconds
                nanoseconds = time.nanoseconds
            }
        }

        struct ExtendedAttributeJSON: Encodable {
            /// The name as text (bytes that are not UTF-8 as U+FFFD; `name_hex` has them all).
            var name: String
            var nameHex: String
            var valueHex: String
        }

        init(_ status: FileStatus) {
            name = status.name
            size = status.byteLength
            type = status.type.description
            fileID = status.fileID
            modificationTime = status.modificationTime
            dataPages = status.dataPageCount
            allocatedPages = status.allocatedDataPageCount
            extensionPages = status.extensionPages.map(\.rawValue)
            recordSubpage = status.subpage.rawValue
            tags = status.tags
            generation = status.generation
            damage = (status.flags.contains(.damagedData) ? ["damaged_data"] : [])
                + (status.flags.contains(.unprovenAttributes) ? ["unproven_attributes"] : [])
            let attributes = status.attributes
            kind = AttributeText.jsonKind(attributes.file.kind)
            mode = attributes.file.mode
            uid = attributes.file.owner
            gid = attributes.file.group
            linkCount = attributes.linkCount
            accessTime = TimeJSON(attributes.file.accessTime)
            modificationTimeExact = TimeJSON(attributes.file.modificationTime)
            changeTime = TimeJSON(attributes.file.changeTime)
            attributesRecorded = status.storedAttributes != nil
            symbolicLinkTarget = attributes.file.kind == .symbolicLink ? String(decoding: attributes.file.symbolicLinkTarget, as: UTF8.self) : nil
            device = attributes.file.device.map { DeviceJSON(major: $0.major, minor: $0.minor) }
            extendedAttributes = attributes.file.extendedAttributes.map {
                ExtendedAttributeJSON(name: String(decoding: $0.name, as: UTF8.self), nameHex: Hex.digits($0.name),
                                      valueHex: Hex.digits($0.value))
            }
        }
    }
}
