// cas-bench: measures CAS ingest against the figures of docs/cas-format.md §9.
//
//   cas-bench snapshot VOLUME DIR TAG [--level N] [--large-level N] [--create] [--serial]
//       store DIR as a snapshot tagged TAG in the CAS file VOLUME; prints time and bytes
//   cas-bench restore VOLUME TAG DIR     restore a snapshot
//   cas-bench hash [MiB]                 SHA-256 throughput of the id function
//   cas-bench chunk DIR                  chunker throughput and chunk statistics over DIR's files
import ArdakuCAS
import ArdakuFormat
import Foundation

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(1)
}

var arguments = Array(CommandLine.arguments.dropFirst())
@MainActor func option(_ name: String) -> String? {
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return nil }
    defer { arguments.removeSubrange(i...(i + 1)) }
    return arguments[i + 1]
}
@MainActor func flag(_ name: String) -> Bool {
    guard let i = arguments.firstIndex(of: name) else { return false }
    arguments.remove(at: i)
    return true
}

let level = Int32(option("--level") ?? "") ?? CASOptions.defaultCompressionLevel
let largeLevel = Int32(option("--large-level") ?? "") ?? CASOptions.defaultLargeObjectLevel
let create = flag("--create")
let serial = flag("--serial")
let options = CASOptions(compressionLevel: level, largeObjectLevel: largeLevel, parallel: !serial)

do {
    switch arguments.first {
    case "snapshot":
        guard arguments.count == 4 else { fail("usage: cas-bench snapshot VOLUME DIR TAG [--level N] [--create]") }
        let start = now()
        let store = try HostFileStore(path: arguments[1], create: create)
        let volume = create ? try CASVolume.create(on: store, options: options) : try CASVolume.open(store, options: options)
        let before = store.length
        let report = try volume.snapshot(HostDirectorySource(root: arguments[2]))
        try volume.setTag(arguments[3], to: report.root)
        try volume.commit()
        let seconds = now() - start
        print("""
            level \(level) (packs), \(largeLevel) (large objects)\(serial ? " serial" : "")
            time \(String(format: "%.3f", seconds)) s
            files \(report.files) directories \(report.directories) content \(report.contentBytes) bytes
            new objects \(report.newObjects) stored \(report.storedBytes) bytes, reused \(report.reusedContentBytes) content bytes
            store \(before) -> \(store.length) bytes (+\(store.length - before))
            ingest \(String(format: "%.1f", Double(report.contentBytes) / seconds / 1e6)) MB/s
            """)
    case "restore":
        guard arguments.count == 4 else { fail("usage: cas-bench restore VOLUME TAG DIR") }
        let start = now()
        let volume = try CASVolume.open(try HostFileStore(path: arguments[1], readOnly: true))
        let report = try volume.restore(try volume.resolve(arguments[2]), to: try HostDirectorySink(root: arguments[3]))
        print("restored \(report.files) files, \(report.contentBytes) bytes in \(String(format: "%.3f", now() - start)) s")
    case "hash":
        let mebibytes = Int(arguments.dropFirst().first ?? "") ?? 256
        let buffer = [UInt8](repeating: 0x5A, count: 1 << 20)
        var sink: UInt8 = 0
        let start = now()
        for n in 0..<mebibytes {
            let id = ObjectID.hashing(typeByte: UInt8(1 + n % 2), payload: buffer)
            sink ^= id.bytes[0]
        }
        let seconds = now() - start
        print("SHA-256 (ObjectID.hashing) \(String(format: "%.2f", Double(mebibytes << 20) / seconds / 1e9)) GB/s over \(mebibytes) MiB of 1 MiB payloads (\(sink))")
    case "chunk":
        guard arguments.count == 2 else { fail("usage: cas-bench chunk DIR") }
        let source = HostDirectorySource(root: arguments[1])
        var pending: [[String]] = [[]]
        var contents: [[UInt8]] = []
        while let path = pending.popLast() {
            for entry in try source.entries(at: path) {
                if entry.isDirectory { pending.append(path + [entry.name]) } else {
                    let bytes = try source.contents(at: path + [entry.name])
                    if bytes.count > 1 << 20 { contents.append(bytes) }
                }
            }
        }
        let total = contents.reduce(0) { $0 + $1.count }
        let start = now()
        var chunks = 0
        for bytes in contents { chunks += Chunker.cutPoints(bytes).count }
        let seconds = now() - start
        print("chunked \(contents.count) files, \(total) bytes into \(chunks) chunks (average \(total / max(chunks, 1)) bytes) at \(String(format: "%.2f", Double(total) / seconds / 1e9)) GB/s")
    default:
        fail("usage: cas-bench snapshot|restore|hash|chunk ...")
    }
} catch {
    fail("cas-bench: \(error)")
}
