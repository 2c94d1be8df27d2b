import ArdakuIO
import ArdakuVolume

extension ImageAccess {
    /// Opens `path` to change its label or UUID: refused when it is mounted (an image file
    /// behind a mounted loop device, too: the lock's O_EXCL open covers block devices only)
    /// or when another process holds it (the exclusive lock, as every writer takes).
    static func openForTuning(_ path: String) throws -> (MappedImage, Volume) {
        if let mountPoint = MountCheck.mountPoint(of: path) {
            throw ToolError("\(path): is mounted on \(mountPoint); will not change a mounted volume")
        }
        return try openVolume(path, writable: true)
    }

    /// Runs a change of the volume's identity and makes it durable, naming `path` in any error.
    static func tune(_ path: String, _ change: (Volume) throws(VolumeError) -> Void) throws {
        let (_, volume) = try openForTuning(path)
        do {
            try change(volume)
            try volume.close()
        } catch { throw ToolError("\(path): \(error)") }
    }
}
