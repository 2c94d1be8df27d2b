import ArdakuFormat
import ArdakuIO
import ArdakuVolume

/// Opening an image or device as a volume, with one-line errors that name the path.
public enum ImageAccess {
    /// Opens `path` and the volume in it.
    public static func openVolume(_ path: String, writable: Bool) throws -> (MappedImage, Volume) {
        let image: MappedImage
        do { image = try MappedImage(path: path, mode: writable ? .readWrite : .readOnly) }
        catch .busy(let message) { throw ToolError("\(path): \(message)", isBusy: true) }
        catch { throw ToolError("\(path): \(error)") }
        // Less than a page cannot hold page 0; a cut image that keeps page 0 is named as
        // truncated by the volume below.
        guard image.pageCount >= 1 else { throw ToolError("\(path): \(notAVolume(path, image))") }
        do {
            let volume = try Volume(store: image)
            volume.clock = { TimeFormat.sourceDateEpoch ?? TimeFormat.now }
            if let (error, backupPage) = volume.damagedPrimary {
                let damage = "page 0 is damaged (\(error))"
                if writable {
                    throw ToolError("\(path): \(damage); the backup in page \(backupPage) is intact: run fsck.zest -y to restore page 0 before writing")
                }
                Console.warning("ardaku", "\(path): \(damage); reading the backup in page \(backupPage) (fsck.zest -y restores page 0)")
            }
            return (image, volume)
        } catch let error as VolumeError {
            if case .format = error {
                throw ToolError("\(path): \(notAVolume(path, image, pageZero: error))")
            }
            throw ToolError("\(path): \(error)")
        }
    }

    /// Why `path` holds no Ardaku volume that can be opened: too small, another file system
    /// (libblkid's probe), or an Ardaku page 0 that is damaged with no intact backup.
    static func notAVolume(_ path: String, _ image: MappedImage, pageZero error: VolumeError? = nil) -> String {
        let others = (try? DeviceProbe.blkidSignatures(of: path)) ?? []
        if let other = others.first { return "not an Ardaku volume (it holds \(other))" }
        if image.pageCount < 1 {
            return "not an Ardaku volume: \(image.byteCount) bytes, less than one page of 64 KiB"
        }
        let magic = (try? image.read(PageIndex(0))).map { ByteReader.uint32(in: $0, at: SystemInformationBlock.Offset.magic) }
        guard magic == SystemInformationBlock.magic, let error else {
            return "not an Ardaku volume (no \"ARDK\" magic in page 0, and no intact backup near its end)"
        }
        return "\(error); page 0 is damaged and no intact backup was found (fsck.zest -b PAGE can use a copy elsewhere)"
    }

    /// Parses a file name given on the command line.
    public static func fileName(_ text: String) throws -> FileName {
        do { return try FileName(text) } catch { throw ToolError("\(VolumeError.printable(text)): invalid name: \(error)") }
    }

    /// Validates a name read from an image as its bytes are: `shown` (the name as text, where
    /// bytes that are not UTF-8 became U+FFFD) only names it in the message.
    public static func fileName(bytes: [UInt8], shown: String) throws -> FileName {
        do { return try FileName(bytes: bytes) } catch { throw ToolError("\(VolumeError.printable(shown)): invalid name: \(error)") }
    }
}
