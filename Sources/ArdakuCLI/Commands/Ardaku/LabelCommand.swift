import ArdakuIO
import ArdakuVolume
import ToolCommandLine

extension ArdakuCommand {
    /// `ardaku label`: e2label for an Ardaku volume.
    struct Label: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "label",
            abstract: "Print the volume label, or set it.",
            usage: "ardaku label [--wait[=<seconds>]] <image> [<new-label>]",
            discussion: """
                With a new label (UTF-8, at most 1020 bytes; "" clears it), both copies of the \
                system block are rewritten in one crash-safe commit. Refused on a mounted volume \
                or one another process holds.
                """)
        @Argument(help: "Image file or device.") var image: String
        @Argument(help: "New label.") var newLabel: String?
        @OptionGroup var waiting: WaitOption

        func run() {
            ArdakuCommand.perform {
                guard let newLabel else {
                    let (_, volume) = try ImageAccess.openVolume(image, writable: false)
                    let line = volume.committed.label + [0x0A]
                    try line.withUnsafeBytes { try StandardOutput.write($0) }
                    return
                }
                let label = Array(newLabel.utf8)
                // Checked before the image is opened: a refused label changes nothing.
                do { try Volume.validateLabel(label) } catch { throw ToolError("\(image): \(error)") }
                try ImageAccess.tune(image) { volume throws(VolumeError) in try volume.setLabel(label) }
            }
        }
    }
}
