import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import ArdakuZest
import ToolCommandLine
import Glibc
import PlainCommandLine

// MARK: - Opening a volume

/// An open ZEST volume and whatever holds it, committed by `commit()`.
final class ZestSession {
    let volume: ZestVolume
    /// How the volume was named on the command line, for messages.
    let display: String
    private let image: MappedImage?
    private let ardaku: Volume?
    /// Where the volume is (set by `open(_:writable:only:)`).
    var location: Location = .standalone(path: "")
    private let nestedStore: VolumeFileByteStore?

    private init(volume: ZestVolume, display: String, image: MappedImage?, ardaku: Volume?, nestedStore: VolumeFileByteStore?) {
        self.volume = volume
        self.display = display
        self.image = image
        self.ardaku = ardaku
        self.nestedStore = nestedStore
    }

    /// Makes every change durable: the ZEST commit, then (nested) the Ardaku commit.
    func commit() throws {
        do { try volume.flush() } catch { throw ToolError("\(display): \(error)") }
        if let nestedStore, let ardaku {
            do { try nestedStore.close() } catch { throw ToolError("\(display): \(error)") }
            do { try ardaku.close() } catch { throw ToolError("\(display): \(error)") }
        }
    }

    /// Asks the kernel to start reading the whole volume into the page cache, so that
    /// the disk streams while the files are decoded (reading every file of a volume).
    func prefetch() {
        switch location {
        case let .standalone(path):
            let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
            guard descriptor >= 0 else { return }
            posix_fadvise(descriptor, 0, 0, POSIX_FADV_WILLNEED)
            Glibc.close(descriptor)
        case let .nested(imagePath, volumeName):
            guard let ardaku, let entries = try? ardaku.pageEntries(volumeName) else { return }
            let descriptor = Glibc.open(imagePath, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
            guard descriptor >= 0 else { return }
            defer { Glibc.close(descriptor) }
            // Runs of consecutive pages, one hint each.
            var runStart: UInt32?, runEnd: UInt32 = 0
            func hint() {
                if let start = runStart {
                    posix_fadvise(descriptor, off_t(start) << 16, off_t(runEnd - start) << 16, POSIX_FADV_WILLNEED)
                }
            }
            for entry in entries where !entry.isHole {
                let page = entry.page.rawValue
                if runStart != nil && page == runEnd { runEnd += 1; continue }
                hint()
                runStart = page
                runEnd = page + 1
            }
            hint()
        }
    }

    /// Sessions of read-only commands: the process exits right after them, and tearing
    /// down a table of many thousand entries is work nobody needs.
    nonisolated(unsafe) private static var kept: [ZestSession] = []
    static func keepUntilExit(_ session: ZestSession) { kept.append(session) }

    /// True when `path` starts with a ZEST header (or has its backup copy at byte 2048).
    static func isZestFile(_ path: String) -> Bool {
        guard let bytes = SystemCalls.peek(path, at: 0, count: ZestLimits.backupHeaderOffset + 4) else { return false }
        let count = bytes.count
        let magic: [UInt8] = [0x5A, 0x45, 0x53, 0x54]
        if count >= 4, Array(bytes[0..<4]) == magic { return true }
        let backup = ZestLimits.backupHeaderOffset
        return count >= backup + 4 && Array(bytes[backup..<(backup + 4)]) == magic
    }

    /// Where a volume named on the command line lives.
    enum Location {
        case standalone(path: String)
        case nested(image: String, volume: FileName)

        var display: String {
            switch self {
            case let .standalone(path): return path
            case let .nested(image, volume): return "\(image):\(volume.string)"
            }
        }
    }

    /// Takes the leading `arguments` that name a volume (FILE.zest, or IMAGE VOLUME).
    static func locate(_ arguments: inout [String], usage: String) throws -> Location {
        guard let first = arguments.first else { throw ToolError("name a ZEST volume: \(usage)") }
        if isZestFile(first) {
            arguments.removeFirst()
            return .standalone(path: first)
        }
        guard case .success = SystemCalls.pathInfo(first) else { throw ToolError("\(first): no such file") }
        guard arguments.count >= 2 else {
            let (_, ardaku) = try openImage(first, writable: false)
            let volumes = (try? ardaku.list().filter { $0.type == .zest }.map(\.name)) ?? []
            throw ToolError("\(first) is an Ardaku image: name the ZEST volume in it (\(usage))"
                            + (volumes.isEmpty ? "; it holds none" : "; it holds " + volumes.joined(separator: ", ")))
        }
        let volume = try ImageAccess.fileName(arguments[1])
        arguments.removeFirst(2)
        return .nested(image: first, volume: volume)
    }

    private static func openImage(_ path: String, writable: Bool) throws -> (MappedImage, Volume) {
        do { return try ImageAccess.openVolume(path, writable: writable) } catch let error as ToolError where !error.isBusy {
            throw ToolError("\(error.message) (and not a ZEST volume either: no ZEST header at byte 0 or 2048)")
        }
    }

    /// Opens the volume the leading `arguments` name and removes them from `arguments`.
    static func open(_ arguments: inout [String], writable: Bool, usage: String) throws -> ZestSession {
        try open(try locate(&arguments, usage: usage), writable: writable)
    }

    /// Opens the volume the leading `arguments` name, as `open(_:writable:usage:)`, but makes
    /// it first when it is missing and exactly `rest` arguments follow it, as `cas put` does:
    /// a standalone FILE.zest that does not exist (or is an empty file), or a VOLUME the image
    /// does not hold, with `options` (`zest create`'s defaults). A new nested volume is part
    /// of the image's transaction, committed with everything else; `created` says which.
    static func openCreating(_ arguments: inout [String], rest: Int, options: ZestVolume.Options,
                             usage: String) throws -> (session: ZestSession, created: Bool) {
        guard let first = arguments.first else { throw ToolError("name a ZEST volume: \(usage)") }
        if !isZestFile(first) {
            let info = SystemCalls.pathInfo(first)
            let isEmptyOrMissing: Bool
            switch info {
            case .success(let info): isEmptyOrMissing = info.kind == .regularFile && info.size == 0
            case .failure(let error): isEmptyOrMissing = error == .noSuchFileOrDirectory
            }
            if isEmptyOrMissing && arguments.count == rest + 1 {
                _ = try create([first], options: options, replace: true)
                arguments.removeFirst()
                return (try open(.standalone(path: first), writable: true), true)
            }
            if !isEmptyOrMissing && arguments.count == rest + 2 {
                let name = try ImageAccess.fileName(arguments[1])
                let (image, ardaku) = try openImage(first, writable: true)
                let display = "\(first):\(name.string)"
                let exists = (try? ardaku.exists(name)) ?? false
                arguments.removeFirst(2)
                let session: ZestSession
                if exists {
                    session = try openNested(image: image, ardaku: ardaku, volumeName: name, display: display, only: nil)
                } else {
                    let (store, volume) = try createNested(in: ardaku, name: name, options: options, replace: false, display: display)
                    session = ZestSession(volume: volume, display: display, image: image, ardaku: ardaku, nestedStore: store)
                }
                session.location = .nested(image: first, volume: name)
                return (session, !exists)
            }
        }
        return (try open(&arguments, writable: true, usage: usage), false)
    }

    /// Opens the volume at `location`; with `only`, just those files, read-only
    /// (`ZestVolume.open(_:only:)`).
    static func open(_ location: Location, writable: Bool, only names: [FileName]? = nil) throws -> ZestSession {
        let session = try openSession(location, writable: writable, only: names)
        session.location = location
        return session
    }

    private static func openSession(_ location: Location, writable: Bool, only names: [FileName]?) throws -> ZestSession {
        let display = location.display
        switch location {
        case let .standalone(path):
            let store: HostFileByteStore
            do { store = try HostFileByteStore(path: path, readOnly: !writable) } catch { throw ToolError("\(path): \(error)") }
            return ZestSession(volume: try openVolume(store, display: display, only: names), display: display, image: nil,
                               ardaku: nil, nestedStore: nil)
        case let .nested(imagePath, volumeName):
            let (image, ardaku) = try openImage(imagePath, writable: writable)
            return try openNested(image: image, ardaku: ardaku, volumeName: volumeName, display: display, only: names)
        }
    }

    /// The session of the ZEST volume `volumeName` in the open image `ardaku`.
    private static func openNested(image: MappedImage, ardaku: Volume, volumeName: FileName, display: String,
                                   only names: [FileName]?) throws -> ZestSession {
        let status: FileStatus
        do { status = try ardaku.stat(volumeName) } catch { throw ToolError("\(display): no such ZEST volume in the image") }
        guard status.type == .zest else {
            throw ToolError("\(display): not a ZEST volume (its type is \(status.type)); create one with ardaku zest create")
        }
        let store: VolumeFileByteStore
        do { store = try VolumeFileByteStore(volume: ardaku, name: volumeName) } catch { throw ToolError("\(display): \(error)") }
        return ZestSession(volume: try openVolume(store, display: display, only: names), display: display, image: image,
                           ardaku: ardaku, nestedStore: store)
    }

    private static func openVolume(_ store: ByteStore, display: String, only names: [FileName]?) throws -> ZestVolume {
        do { return try names.map { names throws(ZestError) in try ZestVolume.open(store, only: names) } ?? ZestVolume.open(store) } catch {
            throw ToolError("\(display): \(error) (run fsck.zest on it)")
        }
    }

    /// Makes a new, empty volume: a standalone file, or a ZEST-type file in an image.
    static func create(_ arguments: [String], options: ZestVolume.Options, replace: Bool) throws -> String {
        switch arguments.count {
        case 1:
            let path = arguments[0]
            if case .success(let info) = SystemCalls.pathInfo(path) {
                if info.kind != .regularFile { throw ToolError("\(path): not a regular file") }
                if !isZestFile(path) && info.size > 0 {
                    if (try? ImageAccess.openVolume(path, writable: false)) != nil {
                        throw ToolError("\(path) is an Ardaku image: name the ZEST volume to create in it (ardaku zest create IMAGE VOLUME)")
                    }
                }
                if !replace { throw ToolError("\(path): exists (use -f to replace it with an empty volume)") }
            }
            let store: HostFileByteStore
            do { store = try HostFileByteStore(path: path, readOnly: false, create: true) } catch { throw ToolError("\(path): \(error)") }
            do { _ = try ZestVolume.create(in: store, options: options) } catch { throw ToolError("\(path): \(error)") }
            return path
        case 2:
            let (_, ardaku) = try ImageAccess.openVolume(arguments[0], writable: true)
            let name = try ImageAccess.fileName(arguments[1])
            let display = "\(arguments[0]):\(name.string)"
            try createNested(in: ardaku, name: name, options: options, replace: replace, display: display)
            do { try ardaku.close() } catch { throw ToolError("\(display): \(error)") }
            return display
        default:
            throw ToolError("create takes FILE.zest, or IMAGE VOLUME")
        }
    }

    /// Adds an empty ZEST volume `name` to `ardaku` (in its open transaction) and returns
    /// its store, open.
    @discardableResult
    static func createNested(in ardaku: Volume, name: FileName, options: ZestVolume.Options, replace: Bool,
                             display: String, offerReplace: Bool = true) throws -> (VolumeFileByteStore, ZestVolume) {
        var put = PutOptions()
        put.type = .zest
        put.replaceExisting = replace
        do { try ardaku.put(name, bytes: [], options: put) }
        catch VolumeError.alreadyExists {
            throw ToolError("\(display): a file of that name exists" + (offerReplace ? " (use -f to replace it with an empty volume)" : ""))
        }
        catch { throw ToolError("\(display): \(error)") }
        do {
            let store = try VolumeFileByteStore(volume: ardaku, name: name)
            let volume = try ZestVolume.create(in: store, options: options)
            return (store, volume)
        } catch {
            throw ToolError("\(display): \(error)")
        }
    }
}
