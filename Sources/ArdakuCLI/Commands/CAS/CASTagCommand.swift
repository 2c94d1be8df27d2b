import ArdakuCAS
import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import ToolCommandLine
import Glibc

extension CASCommand {
    struct Tag: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "tag",
            abstract: "Point a tag at an object (moving it if it exists), or with -d remove it.",
            usage: """
            ardaku cas tag [--wait[=<seconds>]] (FILE.cas | IMAGE VOLUME) NAME ID|TAG
            ardaku cas tag -d [--wait[=<seconds>]] (FILE.cas | IMAGE VOLUME) NAME
            """)
        @Argument(help: ArgumentHelp("The volume (FILE.cas, or IMAGE VOLUME), NAME, then ID|TAG.", valueName: "arguments"))
        var arguments: [String] = []
        @Flag(name: .customShort("d"), help: "Remove the tag NAME.") var delete = false
        @OptionGroup var waiting: WaitOption

        func run() {
            CASCommand.perform {
                var rest = arguments
                let usage = delete ? "ardaku cas tag -d FILE.cas|IMAGE VOLUME NAME" : "ardaku cas tag FILE.cas|IMAGE VOLUME NAME ID|TAG"
                let session = try CASSession.open(&rest, writable: true, usage: usage)
                guard rest.count == (delete ? 1 : 2) else { throw ToolError(usage) }
                let name = rest[0]
                if delete {
                    guard session.volume.tag(named: name) != nil else { throw ToolError("\(session.display): no tag '\(name)'") }
                    do { try session.volume.removeTag(name) } catch { throw ToolError("\(session.display): \(error)") }
                } else {
                    try CASCLI.checkTagName(name)
                    let id = try session.resolve(rest[1])
                    do { try session.volume.setTag(name, to: id) } catch { throw ToolError("\(session.display): \(error)") }
                }
                try session.commit()
            }
        }
    }
}
