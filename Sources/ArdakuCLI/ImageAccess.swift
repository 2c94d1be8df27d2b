import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import Foundation

/// Opening an image or device as a volume, with one-line errors that name the path.
public enum ImageAccess {
    /// Opens `path` and the volume in it.
    public static func openVolume(_ path: String, writable: Bool) throws -> (MappedImage, Volume) {
        let image: MappedImage
        do { image = try MappedImage(path: path, mode: writable ? .readWrite : .readOnly) }
        catch .busy(let message) { throw ToolError("\(path): \(message)", isBusy: true) }
        catch { throw ToolError("\(path): \(error)") }
        do {
            let volume = try Volume(store: image)
            volume.clock = { TimeFormat.sourceDateEpoch ?? TimeFormat.now }
            return (image, volume)
        } catch {
            if case .format = error {
                throw ToolError("\(path): \(error) (not an Ardaku volume, or page 0 is damaged: fsck.zest can restore it from the backup)")
            }
            throw ToolError("\(path): \(error)")
        }
    }

    /// Parses a file name given on the command line.
    public static func fileName(_ text: String) throws -> FileName {
        do { return try FileName(text) } catch { throw ToolError("\(VolumeError.printable(text)): invalid name: \(error)") }
    }
}
