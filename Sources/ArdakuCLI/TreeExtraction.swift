import ArdakuFormat
import ArdakuVolume

/// The writing half of `ardaku get -r`, shared with the extraction fuzz target: the files
/// listed under a directory of the volume, each written below `SafeOutput`'s root and
/// nowhere else.
public enum TreeExtraction {
    /// Writes each of `files` (listed under `under`, a directory prefix ending in '/') at
    /// its name relative to `under`: a regular file with its content, a directory, symbolic
    /// link, FIFO or device made as its attributes say. One file that cannot be validated, read or written
    /// does not stop the others: it goes to `failed`, unless `isFatal` says the whole
    /// extraction must stop (the error is then rethrown). `read` streams a file's content.
    /// `progress` is drawn as the bytes go out.
    /// - Returns: how many files failed.
    public static func extract(_ files: [FileStatus], under: [UInt8], into output: SafeOutput, overwrite: Bool,
                               progress: ProgressBar? = nil,
                               isFatal: (any Error) -> Bool = { _ in false }, failed: (any Error) -> Void,
                               read: (FileName, _ sink: (UnsafeRawBufferPointer) throws(VolumeError) -> Void) throws -> Void) throws -> Int {
        var failures = 0
        var written: UInt64 = 0
        // Where each file with several names was first restored (FORMAT §7.3): its other
        // names become hard links to it, as tar restores them.
        var firstRestored: [UInt64: [String]] = [:]
        defer { progress?.finish() }
        for (index, file) in files.enumerated() {
            progress?.update(bytes: written, files: index)
            do {
                // Names read from the image are validated again before they become host paths,
                // as bytes: the String would have turned bytes that are not UTF-8 into U+FFFD.
                let validated = try ImageAccess.fileName(bytes: file.nameBytes, shown: file.name)
                let relative = String(decoding: validated.bytes[under.count...], as: UTF8.self)
                let components = relative.split(separator: "/").map(String.init)
                let attributes = file.attributes.file
                let linked = file.attributes.linkCount > 1
                if linked, let target = firstRestored[file.fileID] {
                    try output.link(relative: components, to: target, overwrite: overwrite)
                    continue
                }
                if attributes.kind != .regular {
                    // A directory, link or node has no content: made, never opened.
                    try output.make(relative: components, attributes: attributes, overwrite: overwrite)
                } else {
                    try output.write(relative: components, attributes: attributes, overwrite: overwrite) { write in
                        // Swift refuses a non-escaping closure captured by one passed to another
                        // closure parameter (`read`); neither keeps it past the call.
                        try withoutActuallyEscaping(write) { write in
                            try read(validated) { (bytes: UnsafeRawBufferPointer) throws(VolumeError) in
                                do { try write(bytes) } catch { throw .source("\(error)") }
                                written += UInt64(bytes.count)
                                progress?.update(bytes: written, files: index)
                            }
                        }
                    }
                }
                if linked { firstRestored[file.fileID] = components }
            } catch where isFatal(error) {
                throw error
            } catch {
                failures += 1
                failed(error)
            }
        }
        return failures
    }
}
