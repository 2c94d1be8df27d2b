import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import Glibc

extension ArdakuCommand {
    /// What `chmod`, `chown` and `touch` share: `change` (given the volume's clock, for
    /// "now") is applied to each file named, or with `recursive` to every file under a
    /// directory named, all in one commit. As chmod(1) does, what can be changed is, each
    /// name that cannot be is named, and the exit status says some could not.
    ///
    /// `missing` says what a name that does not exist is: an error (chmod, chown), or for
    /// touch an empty regular file made first, as touch(1) makes one (mode 0666 less the
    /// umask, the running user's), or with touch -c nothing at all.
    static func changeAttributes(command: String, image: String, names: [String], recursive: Bool, missing: MissingName = .refused,
                                 _ change: (inout FileAttributes, _ now: UInt64) -> Void) throws {
        guard !names.isEmpty else { throw ToolError("\(command) needs at least one name") }
        let (_, volume) = try ImageAccess.openVolume(image, writable: true)
        let now = volume.clock()
        var refused: [VolumeError] = []
        try volume.batch { () throws(VolumeError) in
            for name in names {
                do throws(VolumeError) {
                    for fileName in try files(named: name, in: volume, recursive: recursive, missing: missing) {
                        try volume.setAttributes(fileName) { change(&$0, now) }
                    }
                } catch {
                    switch error {
                    case .notFound, .isADirectory, .notADirectory, .invalidName, .invalidAttributes, .fileTooLarge: refused.append(error)
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

    /// The file `name`, and with `recursive` every file under it when it is a directory ("/"
    /// is the whole volume, which has no record of its own). A directory that exists only
    /// through the names below it first gets a record (FORMAT §9: `directoryRecord`), so that
    /// its own mode, owner and times can change too.
    private static func files(named name: String, in volume: Volume, recursive: Bool,
                              missing: MissingName) throws(VolumeError) -> [FileName] {
        var bytes = Array(name.utf8)
        while bytes.count > 1, bytes.last == UInt8(ascii: "/") { bytes.removeLast() }
        if bytes == [UInt8(ascii: "/")] {
            guard recursive else { throw .isADirectory(name) }
            return try fileNames(volume.names(prefix: bytes))
        }
        let fileName = try Volume.fileName(String(decoding: bytes, as: UTF8.self))
        if !(try volume.exists(fileName)) {
            if try volume.isDirectory(fileName.bytes) {
                try volume.makeNode(fileName, attributes: directoryRecord(now: volume.clock()))
            } else {
                switch missing {
                case .refused: throw .notFound(name)
                case .ignored: return []
                case .created: break
                }
                var options = PutOptions()
                options.attributes = newEntry(.regular, mode: nil, defaultPermissions: 0o666, now: volume.clock())
                try volume.put(fileName, bytes: [], options: options)
            }
        }
        guard recursive, try volume.isDirectoryRecord(fileName) else { return [fileName] }
        return [fileName] + (try fileNames(volume.names(prefix: fileName.bytes + [UInt8(ascii: "/")])))
    }

    /// What `changeAttributes` does with a name that does not exist.
    enum MissingName { case refused, created, ignored }

    /// The attributes a directory without a record shows (`ls -l`: drwxr-xr-x, root's), as
    /// the record a command gives it, with times `now`.
    static func directoryRecord(now: UInt64) -> FileAttributes {
        FileAttributes(kind: .directory, permissions: 0o755, modificationTime: .init(seconds: Int64(clamping: now)))
    }

    /// A new entry's attributes as mkdir(1), touch(1) and ln(1) make them: `mode` (or
    /// `defaultPermissions` less the umask), the running user's ids, every time `now`.
    static func newEntry(_ kind: FileAttributes.Kind, mode: UInt16?, defaultPermissions: UInt16, now: UInt64) -> FileAttributes {
        let mask = umask(0)
        umask(mask)
        let permissions = mode ?? (defaultPermissions & ~UInt16(mask & 0o777))
        return FileAttributes(kind: kind, permissions: permissions, owner: geteuid(), group: getegid(),
                              modificationTime: .init(seconds: Int64(clamping: now)))
    }

    private static func fileNames(_ names: [[UInt8]]) throws(VolumeError) -> [FileName] {
        var result: [FileName] = []
        for name in names { result.append(try Volume.fileName(String(decoding: name, as: UTF8.self))) }
        return result
    }
}
