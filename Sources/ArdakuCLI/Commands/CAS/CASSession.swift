import ArdakuCAS
import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import ToolCommandLine
import Glibc

// MARK: - Opening a volume

/// An open CAS volume and whatever holds it; `close()` makes its changes durable.
final class CASSession {
    let volume: CASVolume
    /// How the volume was named on the command line, for messages.
    let display: String
    /// Whether this run made the volume.
    let created: Bool
    private let image: MappedImage?
    private let ardaku: Volume?
    private let nestedStore: VolumeFileByteStore?

    private init(volume: CASVolume, display: String, created: Bool, image: MappedImage?, ardaku: Volume?, nestedStore: VolumeFileByteStore?) {
        self.volume = volume
        self.display = display
        self.created = created
        self.image = image
        self.ardaku = ardaku
        self.nestedStore = nestedStore
    }

    /// Commits the CAS volume (a volume opened for writing), then, when nested, the image.
    func commit() throws {
        do { try volume.commit() } catch { throw ToolError("\(display): \(error)") }
        try closeImage()
    }

    /// Leaves the image's transaction and closes it (nested volumes; nothing otherwise).
    func closeImage() throws {
        if let nestedStore, let ardaku, !ardaku.isReadOnly {
            do { try nestedStore.close() } catch { throw ToolError("\(display): \(error)") }
            do { try ardaku.close() } catch { throw ToolError("\(display): \(error)") }
        }
    }

    /// True when `path` holds a CAS header in either slot (the magic "ACAS").
    static func isCASFile(_ path: String) -> Bool {
        let magic: [UInt8] = [0x41, 0x43, 0x41, 0x53]
        return VolumeHeader.slotOffsets.contains { SystemCalls.peek(path, at: UInt64($0), count: 4) == magic }
    }

    /// What `open` may do when the volume does not exist.
    enum Missing {
        /// Fail.
        case refuse
        /// Make it, when exactly `rest` arguments follow the volume's.
        case create(rest: Int)
    }

    /// Opens the volume the leading `arguments` name and removes them from `arguments`.
    static func open(_ arguments: inout [String], writable: Bool, missing: Missing = .refuse, options: CASOptions = CASOptions(),
                     usage: String) throws -> CASSession {
        guard let first = arguments.first else { throw ToolError("name a CAS volume: \(usage)") }
        if isCASFile(first) {
            arguments.removeFirst()
            let store: HostFileByteStore
            do { store = try HostFileByteStore(path: first, readOnly: !writable) } catch { throw ToolError("\(first): \(error)") }
            return CASSession(volume: try openVolume(store, display: first, options: options), display: first, created: false,
                              image: nil, ardaku: nil, nestedStore: nil)
        }
        let info = SystemCalls.pathInfo(first)
        let isEmptyOrMissing: Bool
        switch info {
        case .success(let info): isEmptyOrMissing = info.kind == .regularFile && info.size == 0
        case .failure(let error): isEmptyOrMissing = error == .noSuchFileOrDirectory
        }
        if isEmptyOrMissing {
            guard case let .create(rest) = missing, arguments.count == rest + 1 else {
                throw ToolError("\(first): \(info.isSuccess ? "empty file, not a CAS volume" : "no such file") (\(usage))")
            }
            arguments.removeFirst()
            let volume = try createStandalone(first, options: options, replace: true)
            return CASSession(volume: volume, display: first, created: true, image: nil, ardaku: nil, nestedStore: nil)
        }
        let (image, ardaku): (MappedImage, Volume)
        do { (image, ardaku) = try ImageAccess.openVolume(first, writable: writable) } catch let error as ToolError where !error.isBusy {
            throw ToolError("\(error.message) (and not a CAS volume either: no CAS header at byte 0 or 4096)")
        }
        guard arguments.count >= 2 else {
            let volumes = (try? ardaku.list().filter { $0.type == .cas }.map(\.name)) ?? []
            throw ToolError("\(first) is an Ardaku image: name the CAS volume in it (\(usage))"
                            + (volumes.isEmpty ? "; it holds none" : "; it holds " + volumes.joined(separator: ", ")))
        }
        let volumeName = try ImageAccess.fileName(arguments[1])
        let display = "\(first):\(volumeName.string)"
        let exists = (try? ardaku.exists(volumeName)) ?? false
        if !exists {
            guard case let .create(rest) = missing, arguments.count == rest + 2 else {
                throw ToolError("\(display): no such CAS volume in the image (\(usage))")
            }
            arguments.removeFirst(2)
            let (store, volume) = try createNested(in: ardaku, name: volumeName, options: options, replace: false, display: display)
            return CASSession(volume: volume, display: display, created: true, image: image, ardaku: ardaku, nestedStore: store)
        }
        arguments.removeFirst(2)
        let status: FileStatus
        do { status = try ardaku.stat(volumeName) } catch { throw ToolError("\(display): \(error)") }
        guard status.type == .cas else {
            throw ToolError("\(display): not a CAS volume (its type is \(status.type)); create one with ardaku cas create")
        }
        let store: VolumeFileByteStore
        do { store = try VolumeFileByteStore(volume: ardaku, name: volumeName) } catch { throw ToolError("\(display): \(error)") }
        return CASSession(volume: try openVolume(store, display: display, options: options), display: display, created: false,
                          image: image, ardaku: ardaku, nestedStore: store)
    }

    private static func openVolume(_ store: ByteStore, display: String, options: CASOptions) throws -> CASVolume {
        do { return try CASVolume.open(store, options: options) } catch {
            throw ToolError("\(display): \(error) (check it with fsck.zest)")
        }
    }

    /// Makes an empty standalone volume at `path` (replacing what is there when `replace`).
    static func createStandalone(_ path: String, options: CASOptions, replace: Bool) throws -> CASVolume {
        if case .success(let info) = SystemCalls.pathInfo(path) {
            guard info.kind == .regularFile else { throw ToolError("\(path): not a regular file") }
            if info.size > 0 && !replace { throw ToolError("\(path): exists (use -f to replace it with an empty volume)") }
        }
        let store: HostFileByteStore
        do { store = try HostFileByteStore(path: path, readOnly: false, create: true) } catch { throw ToolError("\(path): \(error)") }
        do { return try CASVolume.create(on: store, options: options) } catch { throw ToolError("\(path): \(error)") }
    }

    /// Adds an empty CAS volume `name` to `ardaku` (in its open transaction); returns its
    /// store, open, and the volume.
    static func createNested(in ardaku: Volume, name: FileName, options: CASOptions, replace: Bool,
                             display: String) throws -> (VolumeFileByteStore, CASVolume) {
        var put = PutOptions()
        put.type = .cas
        put.replaceExisting = replace
        do { try ardaku.put(name, bytes: [], options: put) }
        catch VolumeError.alreadyExists { throw ToolError("\(display): exists (use -f to replace it with an empty volume)") }
        catch { throw ToolError("\(display): \(error)") }
        do {
            let store = try VolumeFileByteStore(volume: ardaku, name: name)
            return (store, try CASVolume.create(on: store, options: options))
        } catch {
            throw ToolError("\(display): \(error)")
        }
    }

    /// The object `reference` names (an id or a tag), with a one-line error.
    func resolve(_ reference: String) throws -> ObjectID {
        do { return try volume.resolve(reference) } catch {
            throw ToolError("\(display): \(reference.count == ObjectID.hexCount ? "no object" : "no tag or object") '\(reference)'")
        }
    }
}

extension Result {
    fileprivate var isSuccess: Bool { if case .success = self { return true } else { return false } }
}
