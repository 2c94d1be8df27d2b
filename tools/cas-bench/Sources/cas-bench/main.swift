// cas-bench: library-level measurements behind the choices in docs/FORMAT.md §C9
// (the end-to-end comparison with casync and openssl is tools/bench/cas.sh).
//
//   cas-bench levels DIR [LEVEL|PACKS/LARGE...]   ingest DIR into an in-memory volume at each
//                                     zlib level (packs and large objects alike, or each its own): bytes, CPU
//   cas-bench hash [MiB]              SHA-256 throughput of the id function
//   cas-bench chunk DIR               chunker throughput and chunk statistics over DIR's large files
import ArdakuCAS
import ArdakuFormat
import Foundation

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}
func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(1)
}

/// A host tree read into memory once, so that the measurement is the library's work only.
final class LoadedTree: DirectorySource {
    var files: [[String]: [UInt8]] = [:]
    var directories: [[String]: [DirectoryEntry]] = [:]

    init(root: String) throws {
        var pending: [[String]] = [[]]
        while let path = pending.popLast() {
            let host = ([root] + path).joined(separator: "/")
            var entries: [DirectoryEntry] = []
            for name in try FileManager.default.contentsOfDirectory(atPath: host) {
                var isDirectory: ObjCBool = false
                _ = FileManager.default.fileExists(atPath: host + "/" + name, isDirectory: &isDirectory)
                if isDirectory.boolValue {
                    pending.append(path + [name])
                    entries.append(DirectoryEntry(name: name, isDirectory: true))
                } else {
                    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: host + "/" + name)))
                    files[path + [name]] = bytes
                    entries.append(DirectoryEntry(name: name, isDirectory: false, size: UInt64(bytes.count)))
                }
            }
            directories[path] = entries
        }
    }

    func entries(at path: [String]) throws(CASError) -> [DirectoryEntry] { directories[path] ?? [] }
    func contents(at path: [String]) throws(CASError) -> [UInt8] { files[path] ?? [] }
}

let arguments = Array(CommandLine.arguments.dropFirst())
do {
    switch arguments.first {
    case "levels":
        guard arguments.count >= 2 else { fail("usage: cas-bench levels DIR [LEVEL...]") }
        let tree = try LoadedTree(root: arguments[1])
        let total = tree.files.values.reduce(0) { $0 + $1.count }
        print("tree: \(tree.files.count) files, \(total) bytes")
        // LEVEL, or PACKS/LARGE for different levels per object class.
        var settings: [(Int32, Int32)] = arguments.dropFirst(2).compactMap { text in
            let parts = text.split(separator: "/").compactMap { Int32($0) }
            return parts.count == 2 ? (parts[0], parts[1]) : parts.first.map { ($0, $0) }
        }
        if settings.isEmpty { settings = [(1, 1), (3, 3), (4, 4), (6, 6), (6, 4), (4, 3)] }
        for (packs, large) in settings {
            let volume = try CASVolume.create(on: MemoryByteStore(), options: CASOptions(compressionLevel: packs, largeObjectLevel: large))
            let cpu = cpuSeconds(), wall = now()
            let report = try volume.snapshot(tree)
            try volume.setTag("t", to: report.root)
            try volume.commit()
            print(String(format: "packs level %d, large objects level %d: %d bytes stored (%d in objects), %.2f s CPU, %.2f s wall",
                         packs, large, volume.store.length, report.storedBytes, cpuSeconds() - cpu, now() - wall))
        }
    case "hash":
        let mebibytes = Int(arguments.dropFirst().first ?? "") ?? 256
        let buffer = [UInt8](repeating: 0x5A, count: 1 << 20)
        var sink: UInt8 = 0
        let cpu = cpuSeconds()
        for n in 0..<mebibytes {
            let id = ObjectID.hashing(typeByte: UInt8(1 + n % 2), payload: buffer)
            sink ^= id.bytes[0]
        }
        let seconds = cpuSeconds() - cpu
        print("SHA-256 (ObjectID.hashing) \(String(format: "%.2f", Double(mebibytes << 20) / seconds / 1e9)) GB per CPU second over \(mebibytes) MiB of 1 MiB payloads (\(sink))")
    case "chunk":
        guard arguments.count == 2 else { fail("usage: cas-bench chunk DIR") }
        let tree = try LoadedTree(root: arguments[1])
        let contents = tree.files.values.filter { $0.count > 1 << 20 }
        let total = contents.reduce(0) { $0 + $1.count }
        let cpu = cpuSeconds()
        var chunks = 0
        for bytes in contents { chunks += Chunker.cutPoints(bytes).count }
        let seconds = cpuSeconds() - cpu
        print("chunked \(contents.count) files, \(total) bytes into \(chunks) chunks (average \(total / max(chunks, 1)) bytes) at \(String(format: "%.2f", Double(total) / seconds / 1e9)) GB per CPU second")
    default:
        fail("usage: cas-bench levels|hash|chunk ...")
    }
} catch {
    fail("cas-bench: \(error)")
}
