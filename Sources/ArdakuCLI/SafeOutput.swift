import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import Glibc

/// Writes extracted files under a destination directory and nowhere else: ArdakuIO's
/// `HostTreeRestorer` (see there: O_NOFOLLOW component by component, unnamed O_TMPFILE files
/// linked into place once complete, only a regular file or a symbolic link ever replaced),
/// with its errors as the tools' `ToolError`s, messages unchanged.
///
/// Names come from an untrusted image. Each is validated as an Ardaku file name (no `..`,
/// no empty component) by the caller before it gets here, and again by the restorer.
public struct SafeOutput {
    public let root: String
    private let restorer: HostTreeRestorer

    public init(root: String) throws {
        self.root = root
        do throws(HostTreeError) { restorer = try HostTreeRestorer(destination: root) } catch {
            throw ToolError(error.message)
        }
        // What cannot be set (an owner without privilege, an attribute the file system
        // refuses) is named as it happens.
        restorer.reportWarning = { Console.warning("ardaku", $0) }
    }

    /// Gives the directories made their modes and times (after all below them is written),
    /// then closes the destination.
    public func close() {
        restorer.finish()
        restorer.close()
    }

    /// Whether owners and groups are restored (on by default when running as root).
    public var sameOwner: Bool {
        get { restorer.options.sameOwner }
        nonmutating set { restorer.options.sameOwner = newValue }
    }

    /// Whether extended attributes are restored.
    public var extendedAttributes: Bool {
        get { restorer.options.extendedAttributes }
        nonmutating set { restorer.options.extendedAttributes = newValue }
    }

    /// Writes the content `fill` produces to `relative` (components of a validated name),
    /// then gives it `attributes` (mode, owner, times, extended attributes) before it gets
    /// its name; what cannot be set is a warning naming the file.
    public func write(relative components: [String], attributes: FileAttributes? = nil, overwrite: Bool,
                      _ fill: (_ write: (UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        precondition(!components.isEmpty)
        restorer.options.overwrite = overwrite
        try Self.converting {
            try restorer.writeFile(components, attributes: attributes) { write in
                try withoutActuallyEscaping(write) { write in try fill(Self.converting(write)) }
            }
        }
    }

    /// Makes the directory, symbolic link, FIFO or device `relative` (components of a
    /// validated name; empty: the destination itself, which takes a directory's attributes)
    /// as `attributes` say, never following a link.
    public func make(relative components: [String], attributes: FileAttributes, overwrite: Bool) throws {
        restorer.options.overwrite = overwrite
        try Self.converting {
            let path = components.map { Array($0.utf8) }
            if path.isEmpty {
                guard attributes.kind == .directory else { throw ToolError("\(root): a \(attributes.kind) cannot be the destination") }
                try restorer.makeDirectory([], attributes: attributes)
            } else {
                try restorer.make(path, attributes)
            }
        }
    }

    /// Makes `relative` another name of `target` (both relative to the destination, `target`
    /// restored before), as link(2) does; neither path's links are followed.
    public func link(relative components: [String], to target: [String], overwrite: Bool) throws {
        restorer.options.overwrite = overwrite
        try Self.converting {
            try restorer.makeHardLink(components.map { Array($0.utf8) }, to: target.map { Array($0.utf8) })
        }
    }

    /// Writes the content `fill` produces as `name` in the open directory `directory` (which
    /// the caller reached without following links): unnamed until complete, then linked or
    /// renamed into place; only a regular file or a symbolic link is replaced. `shown` names
    /// the file in messages. Also the file writer of `ardaku cas get` and `zest get`.
    public static func writeFile(in directory: CInt, name: String, shown: String, overwrite: Bool,
                                 _ fill: (_ write: (UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        try converting {
            try HostTreeRestorer.writeFile(in: directory, name: name, shown: shown, overwrite: overwrite) { write in
                try withoutActuallyEscaping(write) { write in try fill(converting(write)) }
            }
        }
    }

    /// `body`, with a `HostTreeError` thrown as the `ToolError` of the same message.
    private static func converting<R>(_ body: () throws -> R) throws -> R {
        do { return try body() } catch let error as HostTreeError { throw ToolError(error.message) }
    }

    /// The writer `write`, its `HostTreeError`s thrown as `ToolError`s (callers tell their
    /// own failures from the writer's by that type).
    private static func converting(_ write: @escaping (UnsafeRawBufferPointer) throws -> Void) -> (UnsafeRawBufferPointer) throws -> Void {
        { bytes in try converting { try write(bytes) } }
    }
}
