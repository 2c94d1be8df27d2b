import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import ArdakuZest
import ToolCommandLine
import Glibc
import PlainCommandLine

/// `ardaku zest ...`: ZEST volumes, standalone or nested in an Ardaku image.
///
/// Every subcommand names its volume first, in one of two ways:
///
///     ardaku zest ls FILE.zest [PREFIX]          a standalone ZEST file on the host
///     ardaku zest ls IMAGE VOLUME [PREFIX]       the ZEST-type file VOLUME in an Ardaku image
///
/// The tool tells them apart by the bytes of the first argument: a ZEST header ("ZEST" at
/// byte 0, or its backup copy at 2048) makes it a standalone volume, and the next argument
/// is then a name in that volume; anything else is opened as an Ardaku image, and the next
/// argument names the ZEST volume inside it. `create` goes by the number of arguments.
public struct ZestCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "zest",
        abstract: "Create and use ZEST volumes: many small compressed files in one file.",
        discussion: """
        A ZEST volume is either a standalone host file or a file of type 'zest' inside an \
        Ardaku image. Every subcommand names it first:

          ardaku zest SUBCOMMAND FILE.zest ...
              a standalone ZEST file
          ardaku zest SUBCOMMAND IMAGE VOLUME ...
              the ZEST volume VOLUME (such as /packs/small.zest) in an Ardaku image

        The first argument's own bytes say which it is (a ZEST header, or an Ardaku image). \
        Names inside a volume are absolute paths such as /docs/a.txt; directories are implicit.

        Each subcommand locks what it opens (the image for a volume inside one, else the \
        file): shared to read (get, ls), exclusive to write (create, put, rm, mv, compact); \
        a volume another process holds is an error, or with --wait a wait. See LOCKING in \
        ardaku(1).

        Examples:
          ardaku zest create small.zest
          ardaku zest put -r small.zest ./tree /
          ardaku zest get small.zest /docs/a.txt /docs/b.txt > both.txt
          ardaku zest get -r -o ./out small.zest /docs
          ardaku zest create disk.img /packs/small.zest
          ardaku zest ls -l disk.img /packs/small.zest /docs
        """,
        subcommands: [Create.self, Put.self, Get.self, List.self, Remove.self, Move.self, Compact.self])

    public init() {}

    static let tool = "ardaku"

    static func perform(_ body: () throws -> Void) {
        Console.run(tool: tool) { try body(); return 0 }
    }
}
