import ArdakuCAS
import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import ToolCommandLine
import Glibc

extension CASCommand {
    struct Tags: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "tags",
            abstract: "List the tags: id and name, sorted by name.",
            usage: "ardaku cas tags [--json] [--wait[=<seconds>]] (FILE.cas | IMAGE VOLUME)")
        @Argument(help: ArgumentHelp("The volume: FILE.cas, or IMAGE VOLUME.", valueName: "target")) var arguments: [String] = []
        @Flag(name: .long, help: "JSON output.") var json = false
        @OptionGroup var waiting: WaitOption

        func run() {
            CASCommand.perform {
                var rest = arguments
                let usage = "ardaku cas tags FILE.cas|IMAGE VOLUME"
                let session = try CASSession.open(&rest, writable: false, usage: usage)
                guard rest.isEmpty else { throw ToolError(usage) }
                let tags = session.volume.tags
                if json {
                    struct TagJSON: Encodable { var name: String; var id: String; var type: String? }
                    struct Tags: Encodable { var tags: [TagJSON] }
                    let listed = tags.map { TagJSON(name: $0.name, id: $0.id.hex, type: session.volume.type(of: $0.id)?.name) }
                    print(try JSONOutput.render(schema: "ardaku-cas-tags/1", Tags(tags: listed)))
                    return
                }
                for tag in tags { print("\(tag.id.hex) \(tag.name)") }
            }
        }
    }
}
