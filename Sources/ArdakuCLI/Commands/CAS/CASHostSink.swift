import ArdakuCAS
import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import ToolCommandLine
import Glibc

/// Restores into a host directory without ever writing outside it, as `SafeOutput` does for
/// `ardaku get -r`: names were validated as item names (no `/`, `.`, `..`, NUL), every
/// directory is entered with O_NOFOLLOW relative to its parent, and each file is written by
/// `SafeOutput.writeFile` (unnamed until complete, so a failure leaves no partial file;
/// never replacing a device node). Directory descriptors stay open while their files are
/// written.
final class CASHostSink: DirectorySink {
    let root: String
    let overwrite: Bool
    private let rootDescriptor: Int32
    /// Open directories by path, so that each file does not walk from the root again.
    private var open: [[String]: Int32] = [:]
    /// The tool error behind the last failure, shown instead of its CASError wrapping.
    private(set) var failure: ToolError?
    private(set) var files = 0
    private let progress: ProgressBar
    /// Content bytes written so far, for the progress line.
    private var bytesWritten: UInt64 = 0

    init(root: String, overwrite: Bool, progress: ProgressBar) throws {
        self.root = root
        self.overwrite = overwrite
        self.progress = progress
        if mkdir(root, 0o755) != 0 && errno != EEXIST {
            throw ToolError("\(root): cannot create directory: \(String(cString: strerror(errno)))")
        }
        rootDescriptor = Glibc.open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard rootDescriptor >= 0 else { throw ToolError("\(root): \(String(cString: strerror(errno)))") }
    }

    func close() {
        for descriptor in open.values { Glibc.close(descriptor) }
        open = [:]
        Glibc.close(rootDescriptor)
    }

    private func fail(_ error: ToolError) -> CASError {
        failure = error
        return CASError(.host(path: root, detail: error.message))
    }

    private func shown(_ path: [String]) -> String { VolumeError.printable(([root] + path).joined(separator: "/")) }

    /// The directory `path` (made if missing), entered one component at a time without
    /// following symbolic links.
    private func directory(_ path: [String]) throws(CASError) -> Int32 {
        if path.isEmpty { return rootDescriptor }
        if let descriptor = open[path] { return descriptor }
        let parent = try directory(Array(path.dropLast()))
        let name = path[path.count - 1]
        if mkdirat(parent, name, 0o755) != 0 && errno != EEXIST {
            throw fail(ToolError("\(shown(path)): cannot create directory: \(String(cString: strerror(errno)))"))
        }
        let descriptor = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw fail(ToolError("\(shown(path)): not a directory inside \(root) (a symbolic link or a file is in the way): \(String(cString: strerror(errno)))"))
        }
        if open.count >= 256 {
            for descriptor in open.values { Glibc.close(descriptor) }
            open = [:]
        }
        open[path] = descriptor
        return descriptor
    }

    func makeDirectory(at path: [String]) throws(CASError) {
        _ = try directory(path)
    }

    func writeFile(at path: [String],
                   content: (_ write: (UnsafeRawBufferPointer) throws(CASError) -> Void) throws(CASError) -> Void) throws(CASError) {
        let parent = try directory(Array(path.dropLast()))
        let name = path[path.count - 1]
        let target = shown(path)
        // SafeOutput's writer: unnamed until complete, never replacing a device node.
        do {
            try SafeOutput.writeFile(in: parent, name: name, shown: target, overwrite: overwrite) { write in
                try withoutActuallyEscaping(write) { write in
                    try content { (bytes: UnsafeRawBufferPointer) throws(CASError) in
                        bytesWritten += UInt64(bytes.count)
                        do { try write(bytes) } catch let error as ToolError { throw fail(error) } catch {
                            throw fail(ToolError("\(target): \(error)"))
                        }
                    }
                }
            }
        } catch let error as CASError {
            throw error
        } catch let error as ToolError {
            throw fail(error)
        } catch {
            throw fail(ToolError("\(target): \(error)"))
        }
        files += 1
        progress.update(bytes: bytesWritten, files: files)
    }
}
