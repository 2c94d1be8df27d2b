import ArdakuFormat
import ArdakuIO
import ArdakuVolume

extension ArdakuCommand {
    /// What `chmod`, `chown` and `touch` share: `change` (given the volume's clock, for
    /// "now") is applied to each file named, or with `recursive` to every file under a
    /// directory named, all in one commit. As chmod(1) does, what can be changed is, each
    /// name that cannot be is named, and the exit status says some could not.
    static func changeAttributes(command: String, image: String, names: [String], recursive: Bool,
                                 _ change: (inout FileAttributes, _ now: UInt64) -> Void) throws {
        guard !names.isEmpty else { throw ToolError("\(command) needs at least one name") }
        let (_, volume) = try ImageAccess.openVolume(image, writable: true)
        let now = volume.clock()
        var refused: [VolumeError] = []
        try volume.batch { () throws(VolumeError) in
            for name in names {
                do throws(VolumeError) {
                    for fileName in try files(named: name, in: volume, recursive: recursive) {
                        try volume.setAttributes(fileName) { change(&$0, now) }
                    }
                } catch {
                    switch error {
                    case .notFound, .isADirectory, .invalidName, .invalidAttributes, .fileTooLarge: refused.append(error)
                    default: throw error
                    }
                }
            }
        }
        try volume.close()
        for error in refused { Console.error("ardaku", error.description) }
        if !refused.isEmpty {
            throw ToolError("\(names.count - refused.count) of \(Plural.count(names.count, "name")) changed")
        }
    }

    /// The file `name`, or with `recursive` every file under the directory `name` ("/" is
    /// the whole volume). Directories themselves have no record, so nothing to change.
    private static func files(named name: String, in volume: Volume, recursive: Bool) throws(VolumeError) -> [FileName] {
        var bytes = Array(name.utf8)
        while bytes.count > 1, bytes.last == UInt8(ascii: "/") { bytes.removeLast() }
        if bytes == [UInt8(ascii: "/")] {
            guard recursive else { throw .isADirectory(name) }
            return try fileNames(volume.names(prefix: bytes))
        }
        let fileName = try Volume.fileName(String(decoding: bytes, as: UTF8.self))
        if try volume.exists(fileName) { return [fileName] }
        guard try volume.isDirectory(fileName.bytes) else { throw .notFound(name) }
        guard recursive else { throw .isADirectory(name) }
        return try fileNames(volume.names(prefix: fileName.bytes + [UInt8(ascii: "/")]))
    }

    private static func fileNames(_ names: [[UInt8]]) throws(VolumeError) -> [FileName] {
        var result: [FileName] = []
        for name in names { result.append(try Volume.fileName(String(decoding: name, as: UTF8.self))) }
        return result
    }
}
