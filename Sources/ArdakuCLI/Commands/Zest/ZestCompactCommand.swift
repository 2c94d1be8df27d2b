import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import ArdakuZest
import ToolCommandLine
import Glibc
import PlainCommandLine

extension ZestCommand {
    struct Compact: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "compact",
            abstract: "Move files down into free space, pack the table and give the free space back.",
            usage: "ardaku zest compact [--recompress] [-q] [--wait[=<seconds>]]\n  (FILE.zest | IMAGE VOLUME)")
        @Argument(help: ArgumentHelp("The volume: FILE.zest, or IMAGE VOLUME.", valueName: "target")) var arguments: [String] = []
        @Flag(help: "Also recompress files not compressed with the newest dictionary, and drop unused dictionaries.")
        var recompress = false
        @Flag(name: .customShort("q"), help: "Quiet: print nothing on success.") var quiet = false
        @OptionGroup var waiting: WaitOption

        func run() {
            ZestCommand.perform {
                var rest = arguments
                let session = try ZestSession.open(&rest, writable: true, usage: "ardaku zest compact (FILE.zest | IMAGE VOLUME)")
                guard rest.isEmpty else { throw ToolError("compact takes only the volume") }
                let report: ZestCompactionReport
                do { report = try session.volume.compact(recompress: recompress) } catch { throw ToolError("\(session.display): \(error)") }
                try session.commit()
                if !quiet {
                    print("\(session.display): \(ByteSize.describe(report.bytesBefore)) -> \(ByteSize.describe(report.bytesAfter)); "
                          + "moved \(Plural.count(report.filesMoved, "file")) and \(Plural.count(report.fragmentsMoved, "fragment")); "
                          + "table \(report.fragmentsBefore) -> \(Plural.count(report.fragmentsAfter, "fragment"))"
                          + (recompress ? "; recompressed \(Plural.count(report.filesRecompressed, "file")), "
                             + "removed \(Plural.count(report.dictionariesRemoved, "dictionary", "dictionaries"))" : ""))
                }
            }
        }
    }
}
