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
            uuid without a new value), exclusive to write (put, rm, mv, label, uuid); a volume \
            another process holds is an error, or with --wait a wait. probe locks nothing. See \
            LOCKING in ardaku(1).
            """,
        subcommands: [List.self, Get.self, Put.self, Remove.self, Move.self, Stat.self, DiskFree.self, Label.self, UUID.self,
                      Probe.self, ZestCommand.self, CASCommand.self])

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
        }
    }
}
