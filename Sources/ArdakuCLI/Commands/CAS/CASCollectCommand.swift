import ArdakuCAS
import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import ToolCommandLine
import Glibc

extension CASCommand {
    struct Collect: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "gc",
            abstract: "Remove every object no tag reaches and give the space back.",
            usage: "ardaku cas gc [--json] [--wait[=<seconds>]] (FILE.cas | IMAGE VOLUME)")
        @Argument(help: ArgumentHelp("The volume: FILE.cas, or IMAGE VOLUME.", valueName: "target")) var arguments: [String] = []
        @Flag(name: .long, help: "JSON output.") var json = false
        @OptionGroup var waiting: WaitOption

        func run() {
            CASCommand.perform {
                var rest = arguments
                let usage = "ardaku cas gc FILE.cas|IMAGE VOLUME"
                let session = try CASSession.open(&rest, writable: true, usage: usage)
                guard rest.isEmpty else { throw ToolError(usage) }
                let report: CollectionReport
                do { report = try session.volume.collectGarbage() } catch { throw ToolError("\(session.display): \(error)") }
                try session.closeImage()
                if json {
                    struct Collected: Encodable { var removedObjects: Int; var freedBytes: UInt64; var storeBytesBefore: UInt64; var storeBytesAfter: UInt64 }
                    print(try JSONOutput.render(schema: "ardaku-cas-gc/1", Collected(removedObjects: report.removedObjects, freedBytes: report.freedBytes,
                                                          storeBytesBefore: report.storeLengthBefore, storeBytesAfter: report.storeLengthAfter)))
                    return
                }
                print("removed \(Plural.count(report.removedObjects, "unreachable object")), freed \(report.freedBytes) bytes (\(ByteSize.describe(report.freedBytes)))")
                print("store: \(report.storeLengthBefore) -> \(report.storeLengthAfter) bytes")
            }
        }
    }
}
