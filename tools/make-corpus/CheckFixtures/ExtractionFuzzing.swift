import ArdakuCLI
import ArdakuFormat
import ArdakuVolume
import Glibc

/// `ardaku get -r` (TreeExtraction over SafeOutput) under the fuzzer. An input is a `check`
/// input (FuzzHarness); every file of the Ardaku volume it describes is extracted into
/// `out` of a scratch directory of this process, `/tmp/ardaku-fuzz-extract-PID`, beside an
/// empty directory `canary`. The properties: nothing traps; no error stops the extraction as
/// a whole; afterwards the scratch directory holds exactly `out` and `canary`, `canary` is
/// still empty, and everything under `out` is a directory or a regular file (no link,
/// device or FIFO was made, so none can lead outside).
public enum ExtractionFuzzing {
    static let scratch = "/tmp/ardaku-fuzz-extract-\(getpid())"
    static let output = scratch + "/out"
    static let canary = scratch + "/canary"

    public static func run(_ data: UnsafeRawBufferPointer) -> FuzzHarness.Violation? {
        guard let image = FuzzHarness.image(Array(data)) else { return nil }
        let store = MemoryPageStore(image: image)
        store.isReadOnly = true
        guard let volume = try? Volume(store: store),
              let (files, _) = try? volume.listReadable(prefix: [UInt8(ascii: "/")]) else { return nil }
        HostDirectory.removeTree(output)
        mkdir(scratch, 0o755)
        mkdir(canary, 0o755)
        do {
            let destination = try SafeOutput(root: output)
            defer { destination.close() }
            _ = try TreeExtraction.extract(files, under: [UInt8(ascii: "/")], into: destination, overwrite: false,
                                           failed: { _ in }) { name, sink in try volume.read(name, sink) }
        } catch {
            return FuzzHarness.Violation(description: "the extraction stopped: \(error)")
        }
        let around = HostDirectory.names(in: scratch).sorted()
        guard around == ["canary", "out"] else {
            return FuzzHarness.Violation(description: "\(scratch) holds \(around), not just canary and out")
        }
        guard HostDirectory.names(in: canary).isEmpty else {
            return FuzzHarness.Violation(description: "something was written to the canary")
        }
        if let stray = firstNeitherFileNorDirectory(under: output) {
            return FuzzHarness.Violation(description: "\(stray) is neither a regular file nor a directory")
        }
        return nil
    }

    /// The first path under `directory` that is neither a directory nor a regular file.
    static func firstNeitherFileNorDirectory(under directory: String) -> String? {
        for name in HostDirectory.names(in: directory) {
            let path = directory + "/" + name
            switch HostDirectory.kind(of: path) {
            case S_IFREG?: continue
            case S_IFDIR?: if let stray = firstNeitherFileNorDirectory(under: path) { return stray }
            default: return path
            }
        }
        return nil
    }
}

/// The few host directory operations the fuzz tools need, over Glibc: no link is followed.
public enum HostDirectory {
    /// The names in `directory` (not `.` or `..`); none when it cannot be opened.
    public static func names(in directory: String) -> [String] {
        guard let stream = opendir(directory) else { return [] }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// The file type bits (`S_IFREG`, `S_IFDIR`, ...) of `path` itself; nil when it does not exist.
    public static func kind(of path: String) -> mode_t? {
        var info = stat()
        return lstat(path, &info) == 0 ? info.st_mode & S_IFMT : nil
    }

    /// Removes `path` and everything under it, never following a link.
    public static func removeTree(_ path: String) {
        if kind(of: path) == S_IFDIR {
            for name in names(in: path) { removeTree(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }
}
