import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import ArdakuZest
import ToolCommandLine
import Glibc
import PlainCommandLine

extension ZestCommand {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ls",
            abstract: "List a directory of a ZEST volume (or, with -R, every file under it).",
            usage: "ardaku zest ls [-l] [-R] [--json] [--wait[=<seconds>]]\n  (FILE.zest | IMAGE VOLUME) [DIRECTORY]")
        @Argument(help: ArgumentHelp("The volume (FILE.zest, or IMAGE VOLUME), then the directory to list (default /).",
                                     valueName: "arguments")) var arguments: [String] = []
        @Flag(name: .customShort("l"), help: "Long format: size, stored size, codec, dictionary.") var long = false
        @Flag(name: .customShort("R"), help: "Every file under the directory, with full names.") var recursive = false
        @Flag(name: .long, help: "JSON output.") var json = false

        struct FileJSON: Encodable {
            var name: String
            var size: UInt32
            var storedSize: UInt32
            var codec: String
            var dictionary: UInt16
            var contentCRC: String
            var segmentStart: UInt32
            var segmentCount: UInt32

            init(_ info: ZestFileInfo) {
                name = info.name.string
                size = info.size
                storedSize = info.storedSize
                codec = List.codecName(info.codec)
                dictionary = info.dictionaryID
                contentCRC = Hex.format(info.contentCRC, width: 8)
                segmentStart = info.segments.start
                segmentCount = info.segments.count
            }
        }

        static func codecName(_ codec: ZestCodec?) -> String {
            switch codec {
            case .stored: return "stored"
            case .deflate: return "deflate"
            case nil: return "unknown"
            }
        }
        @OptionGroup var waiting: WaitOption

        func run() {
            ZestCommand.perform {
                var rest = arguments
                let session = try ZestSession.open(&rest, writable: false, usage: "ardaku zest ls (FILE.zest | IMAGE VOLUME) [DIRECTORY]")
                guard rest.count <= 1 else { throw ToolError("ls takes at most one directory after the volume") }
                let directory = rest.first ?? "/"
                let volume = session.volume
                let prefixBytes = try ArdakuCommand.directoryPrefix(directory)
                if prefixBytes != [UInt8(ascii: "/")], let name = try? FileName(bytes: prefixBytes), volume.contains(name) {
                    try show([try volume.stat(name)], directories: [], volume: volume, relativeTo: nil)
                    return
                }
                let prefix = try ZestCLI.directoryPrefix(directory)
                let files = volume.list(prefix: prefix)
                if files.isEmpty && prefix != "/" { throw ToolError("\(directory): no such file or directory in \(session.display)") }
                if recursive {
                    try show(files, directories: [], volume: volume, relativeTo: nil)
                    return
                }
                var direct: [ZestFileInfo] = []
                var directories: [String] = []
                let under = prefix.utf8.count
                for file in files {
                    let rest = file.name.bytes[under...]
                    if let slash = rest.firstIndex(of: UInt8(ascii: "/")) {
                        let name = String(decoding: rest[..<slash], as: UTF8.self)
                        if directories.last != name { directories.append(name) }
                    } else {
                        direct.append(file)
                    }
                }
                try show(direct, directories: directories, volume: volume, relativeTo: under)
            }
        }

        private func show(_ files: [ZestFileInfo], directories: [String], volume: ZestVolume, relativeTo prefixLength: Int?) throws {
            if json {
                struct Listing: Encodable {
                    var files: [FileJSON]
                    var directories: [String]
                    var segmentSize: UInt32
                    var dictionaries: [UInt16]
                }
                print(try JSONOutput.render(schema: "ardaku-zest-ls/1", Listing(files: files.map(FileJSON.init), directories: directories,
                                                    segmentSize: volume.segmentSize, dictionaries: volume.dictionaryIDs)))
                return
            }
            var lines: [(String, String)] = files.map { file in
                let shown = prefixLength.map { String(decoding: file.name.bytes[$0...], as: UTF8.self) } ?? file.name.string
                let details = "\(String(file.size).padded(left: 12)) \(String(file.storedSize).padded(left: 12))  "
                    + "\(List.codecName(file.codec).padded(8)) \(String(file.dictionaryID).padded(left: 5))  "
                return (shown, long ? details : "")
            }
            lines += directories.map { ($0 + "/", long ? "\("-".padded(left: 12)) \("-".padded(left: 12))  \("dir".padded(8)) \("-".padded(left: 5))  " : "") }
            for (name, details) in lines.sorted(by: { Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) }) {
                print(details + VolumeError.printable(name))
            }
        }
    }
}
