import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import ToolCommandLine
import PlainCommandLine

extension ArdakuCommand {
    struct DiskFree: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "df", abstract: "Show the volume's size, use and free space.",
            usage: "ardaku df [--json] [--wait[=<seconds>]] <image>")
        @Argument(help: "Image file or device.") var image: String
        @Flag(name: .long, help: "JSON output.") var json = false
        @OptionGroup var waiting: WaitOption

        func run() {
            ArdakuCommand.perform {
                let (_, volume) = try ImageAccess.openVolume(image, writable: false)
                let system = volume.committed
                let free = UInt64(system.totalPageCount) - UInt64(system.usedPageCount)
                struct Usage: Encodable {
                    var label: String, uuid: String, totalPages: UInt32, usedPages: UInt32, freePages: UInt64
                    var totalBytes: UInt64, usedBytes: UInt64, freeBytes: UInt64, files: UInt32, triePages: Int, generation: UInt64
                }
                let usage = Usage(label: system.labelString, uuid: system.uuid.description, totalPages: system.totalPageCount,
                                  usedPages: system.usedPageCount, freePages: free, totalBytes: UInt64(system.totalPageCount) << 16,
                                  usedBytes: UInt64(system.usedPageCount) << 16, freeBytes: free << 16, files: system.fileCount,
                                  triePages: system.triePages.count, generation: system.generation)
                if json { print(try JSONOutput.render(schema: "ardaku-df/1", usage)); return }
                let percent = system.totalPageCount == 0 ? 0 : Int((Double(system.usedPageCount) / Double(system.totalPageCount) * 100).rounded(.up))
                let columns = [image, ByteSize.describe(usage.totalBytes), ByteSize.describe(usage.usedBytes),
                               ByteSize.describe(usage.freeBytes), "\(percent)%", String(system.fileCount)]
                let widths = [max(16, image.count + 1), 11, 11, 11, 5, 6]
                print(zip(["Volume", "Size", "Used", "Free", "Use%", "Files"], widths).map { $0.padded($1) }.joined().trimmingTrailingSpaces)
                print(zip(columns, widths).map { $0.padded($1) }.joined().trimmingTrailingSpaces)
            }
        }
    }
}
