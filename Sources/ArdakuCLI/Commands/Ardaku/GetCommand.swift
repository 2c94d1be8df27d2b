import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import ArgumentParser
import PlainCommandLine

extension ArdakuCommand {
    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "get", abstract: "Copy a file (or, with -r, a directory) out of the volume; every page's CRC-32 is verified.",
            usage: "ardaku get [-r] [-f] [--salvage] [--wait[=<seconds>]] <image> <name>\n  [<destination>]")
        @Argument(help: "Image file or device.") var image: String
        @Argument(help: "File (or directory with -r) in the volume.") var name: String
        @Argument(help: "Destination: a host file or directory; '-' or nothing writes a single file to standard output.") var destination: String?
        @Flag(name: .customShort("r"), help: "Copy every file under the directory NAME into DESTINATION.") var recursive = false
        @Flag(name: .customShort("f"), help: "Replace existing host files.") var force = false
        @Flag(name: .long, help: "Copy damaged files as they are, naming the byte ranges that fail their CRC-32 on standard error (exit status 1).")
        var salvage = false
        @OptionGroup var waiting: WaitOption

        func run() {
            var salvaged: [String] = []
            ArdakuCommand.perform {
                let (_, volume) = try ImageAccess.openVolume(image, writable: false)
                if recursive {
                    guard let destination, destination != "-" else { throw ToolError("get -r needs a destination directory") }
                    try copyTree(volume, destination: destination, salvaged: &salvaged)
                    return
                }
                let fileName = try ImageAccess.fileName(name)
                guard try volume.exists(fileName) else {
                    throw ToolError(try volume.isDirectory(fileName.bytes) ? "\(name): is a directory (use -r)" : "\(name): no such file")
                }
                guard let destination, destination != "-" else {
                    try read(volume, fileName, salvaged: &salvaged) { (bytes: UnsafeRawBufferPointer) throws(VolumeError) in
                        do throws(WriteFailure) { try StandardOutput.write(bytes) } catch { throw .source(error.description) }
                    }
                    if !salvaged.isEmpty { throw ToolError(salvaged.joined(separator: "\nardaku: ")) }
                    return
                }
                var target = destination
                if HostPaths.isDirectory(destination) {
                    target = destination + "/" + fileName.lastComponent
                }
                let path = HostPath(target)
                let output = try SafeOutput(root: path.parent)
                defer { output.close() }
                try output.write(relative: [path.name], overwrite: force) { write in
                    try read(volume, fileName, salvaged: &salvaged) { (bytes: UnsafeRawBufferPointer) throws(VolumeError) in
                        do { try write(bytes) } catch { throw .source("\(error)") }
                    }
                }
                if !salvaged.isEmpty { throw ToolError(salvaged.joined(separator: "\nardaku: ")) }
            }
        }

        /// Reads `name` verified, or with `--salvage` as it is, noting its damaged ranges.
        private func read(_ volume: Volume, _ name: FileName, salvaged: inout [String],
                          _ sink: (UnsafeRawBufferPointer) throws(VolumeError) -> Void) throws {
            guard salvage else { return try volume.read(name, sink) }
            let damaged = try volume.readSalvaging(name, sink)
            if !damaged.isEmpty {
                salvaged.append("\(VolumeError.printable(name.string)): salvaged with damage: \(VolumeError.describe(damaged))")
            }
        }

        private func copyTree(_ volume: Volume, destination: String, salvaged: inout [String]) throws {
            let prefix = try ArdakuCommand.directoryPrefix(name)
            let under = prefix == [UInt8(ascii: "/")] ? prefix : prefix + [UInt8(ascii: "/")]
            let (files, unreadable) = try volume.listReadable(prefix: under)
            guard !files.isEmpty || !unreadable.isEmpty else { throw ToolError("\(name): no such directory") }
            let output = try SafeOutput(root: destination)
            defer { output.close() }
            List.report(unreadable)
            // One file that cannot be written or read does not stop the others: each failure
            // is named as it happens, and the exit status says some failed.
            var failures = try TreeExtraction.extract(
                files, under: under, into: output, overwrite: force, isFatal: { ($0 as? ToolError)?.isBusy == true },
                failed: { Console.error("ardaku", Console.describe($0)) }
            ) { name, sink in try read(volume, name, salvaged: &salvaged, sink) }
            failures += unreadable.count
            if failures > 0 { salvaged.append("\(failures) of \(Plural.count(files.count + unreadable.count, "file")) not copied") }
            if !salvaged.isEmpty { throw ToolError(salvaged.joined(separator: "\nardaku: ")) }
        }
    }
}
