import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import ToolCommandLine
import PlainCommandLine

extension ArdakuCommand {
    struct Stat: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "stat", abstract: "Show everything the volume records about a file.",
            usage: "ardaku stat [--json] [--wait[=<seconds>]] <image> <name>")
        @Argument(help: "Image file or device.") var image: String
        @Argument(help: "File in the volume.") var name: String
        @Flag(name: .long, help: "JSON output.") var json = false
        @OptionGroup var waiting: WaitOption

        func run() {
            ArdakuCommand.perform {
                let (_, volume) = try ImageAccess.openVolume(image, writable: false)
                let status = try volume.stat(try ImageAccess.fileName(name))
                if json { print(try JSONOutput.render(schema: "ardaku-stat/1", FileJSON(status))); return }
                let extensions = status.extensionPages.map { String($0.rawValue) }.joined(separator: " ")
                let file = status.attributes.file
                // What only some kinds have, as stat(1) adds it: a link's target, a device's number.
                var kindLines = ""
                if file.kind == .symbolicLink { kindLines += "\nTarget:            \(QuotedName.quotedName(file.symbolicLinkTarget))" }
                if let device = file.device { kindLines += "\nDevice:            \(device.major), \(device.minor) (major, minor)" }
                print("""
                Name:              \(VolumeError.printable(status.name))
                Size:              \(status.byteLength) bytes (\(ByteSize.describe(status.byteLength)))
                Type:              \(status.type)
                Kind:              \(AttributeText.kindAndSource(status))\(kindLines)
                Mode:              \(AttributeText.mode(status.attributes.file))
                Owner:             uid \(status.attributes.file.owner), gid \(status.attributes.file.group)
                Links:             \(status.attributes.linkCount)
                File id:           \(status.fileID)
                Modified:          \(TimeFormat.utc(status.modificationTime))
                Modify:            \(AttributeText.time(status.attributes.file.modificationTime))
                Access:            \(AttributeText.time(status.attributes.file.accessTime))
                Change:            \(AttributeText.time(status.attributes.file.changeTime))
                Extended attrs:    \(AttributeText.extendedAttributes(status.attributes.file))
                Record:            subpage \(status.subpage.rawValue) (page \(status.subpage.page.rawValue), slot \(status.subpage.slot))
                Data pages:        \(status.dataPageCount) (\(status.allocatedDataPageCount) allocated, \(status.dataPageCount - status.allocatedDataPageCount) holes)
                Extension pages:   \(extensions.isEmpty ? "<none>" : extensions)
                Tags:              \(status.tags.isEmpty ? "<none>" : status.tags.map(String.init).joined(separator: " "))
                Written by commit: \(status.generation)
                Damage:            \(status.flags.isEmpty ? "none recorded" : status.flags.description + " (recorded by fsck.zest; rewrite or remove the file to clear)")
                """)
            }
        }
    }
}
