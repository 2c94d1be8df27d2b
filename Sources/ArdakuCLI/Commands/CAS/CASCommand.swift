import ArdakuCAS
import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import ToolCommandLine
import Glibc

/// `ardaku cas ...`: CAS volumes (content-addressed objects with tags, docs/FORMAT.md Part III),
/// standalone or nested in an Ardaku image.
///
/// Every subcommand names its volume first, in one of two ways:
///
///     ardaku cas tags FILE.cas                a standalone CAS file on the host
///     ardaku cas tags IMAGE VOLUME            the CAS-type file VOLUME in an Ardaku image
///
/// The tool tells them apart by the bytes of the first argument: a CAS header ("ACAS" at
/// byte 0 or 4096, the two header slots) makes it a standalone volume; anything else is
/// opened as an Ardaku image, and the next argument names the CAS volume in it. `create`
/// and `put` also make a standalone file that does not exist yet.
public struct CASCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "cas",
        abstract: "Snapshot directory trees into CAS volumes: content-addressed, deduplicated, tagged.",
        discussion: """
        A CAS volume is either a standalone host file or a file of type 'cas' inside an \
        Ardaku image. Every subcommand names it first:

          ardaku cas SUBCOMMAND FILE.cas ...
              a standalone CAS file
          ardaku cas SUBCOMMAND IMAGE VOLUME ...
              the CAS volume VOLUME (such as /backup.cas) in an Ardaku image

        The first argument's own bytes say which it is (a CAS header, or an Ardaku image). \
        Objects are named by their id (64 hex digits, the SHA-256 of the object) or by a tag.

        Each subcommand locks what it opens (the image for a volume inside one, else the \
        file): shared to read (get, tags, info), exclusive to write (create, put, tag, gc); \
        a volume another process holds is an error, or with --wait a wait. See LOCKING in \
        ardaku(1).

        Examples:
          ardaku cas put -r backup.cas ./src --tag v1    # creates backup.cas
          ardaku cas put -r backup.cas ./src --tag v2    # stores only what changed
          ardaku cas get -r backup.cas v1 ./restored
          ardaku cas info -d 2 backup.cas v2
          ardaku cas tag -d backup.cas v1 && ardaku cas gc backup.cas
          ardaku cas put -r disk.img /backup.cas ./src --tag v1
        """,
        subcommands: [Create.self, Put.self, Get.self, Tag.self, Tags.self, Info.self, Collect.self, Hash.self])

    public init() {}

    static let tool = "ardaku"

    static func perform(_ body: () throws -> Void) {
        Console.run(tool: tool) { try body(); return 0 }
    }
}
