import ArdakuCAS
import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import ToolCommandLine
import Glibc

extension CASCommand {
    struct Hash: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "hash",
            abstract: "Print the SHA-256 of files (as sha256sum does), or with --object the id their content gets in a CAS volume.",
            usage: "ardaku cas hash [--object] [FILE...]",
            discussion: "With no FILE, or when FILE is -, read standard input.")
        @Argument(help: "Host files.") var files: [String] = []
        @Flag(name: .long, help: "Print the id `put` gives the content (a blob's, or a chunk list's) instead of its plain SHA-256.") var object = false

        func run() {
            CASCommand.perform {
                var failed = false
                for file in files.isEmpty ? ["-"] : files {
                    do {
                        let digest = try object ? objectID(file) : sha256(file)
                        print("\(digest)  \(file)")
                    } catch let error as ToolError {
                        Console.error(CASCommand.tool, error.message)
                        failed = true
                    }
                }
                if failed { throw ToolError("some files could not be read", exitCode: 1) }
            }
        }

        private func sha256(_ path: String) throws -> String {
            var hasher = SHA256Stream()
            try CASCLI.readPieces(path, pieceBytes: 1 << 20) { (piece: UnsafeRawBufferPointer) in hasher.update(piece) }
            return hasher.finalizeHex()
        }

        private func objectID(_ path: String) throws -> String {
            var hasher = ContentHasher()
            try CASCLI.readPieces(path, pieceBytes: CASVolume.streamingPieceBytes) { (piece: UnsafeRawBufferPointer) in hasher.update(Array(piece)) }
            do { return try hasher.finalize().hex } catch { throw ToolError("\(path): \(error)") }
        }
    }
}
