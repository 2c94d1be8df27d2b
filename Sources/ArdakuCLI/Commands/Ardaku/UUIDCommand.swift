import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import ToolCommandLine

extension ArdakuCommand {
    /// `ardaku uuid`: tune2fs -U for an Ardaku volume.
    struct UUID: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "uuid",
            abstract: "Print the volume UUID, or set it.",
            usage: "ardaku uuid [--wait[=<seconds>]] <image> [<new-uuid>]",
            discussion: """
                random: a new random UUID; clear: the nil UUID; or a UUID as \
                xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx. Every file's metadata record carries the \
                volume's UUID, so every record is written anew with the new one, and both copies \
                of the system block, in one crash-safe commit (it needs a free subpage per file). \
                Refused on a mounted volume or one another process holds.
                """)
        @Argument(help: "Image file or device.") var image: String
        @Argument(help: ArgumentHelp("random, clear or a UUID.", valueName: "new-uuid")) var newUUID: String?
        @OptionGroup var waiting: WaitOption

        func run() {
            ArdakuCommand.perform {
                guard let newUUID else {
                    let (_, volume) = try ImageAccess.openVolume(image, writable: false)
                    Console.out(volume.committed.uuid.description)
                    return
                }
                let uuid = try Self.parse(newUUID, image: image)
                try ImageAccess.tune(image) { volume throws(VolumeError) in try volume.setUUID(uuid) }
            }
        }

        /// tune2fs -U's words, less `time`: a time-based UUID (version 1) would carry this
        /// host's clock and node id, and nothing in the format orders volumes by UUID.
        static func parse(_ text: String, image: String) throws -> VolumeUUID {
            switch text {
            case "random": return .random()
            case "clear", "null": return .zero
            case "time":
                throw ToolError("\(image): time-based UUIDs are not supported: give random, clear or a UUID")
            default:
                guard let parsed = VolumeUUID(string: text) else {
                    throw ToolError("\(image): invalid UUID '\(text)': give xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, 'random' or 'clear'")
                }
                return parsed
            }
        }
    }
}
