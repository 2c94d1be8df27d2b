import ArdakuFormat

/// A file inside an Ardaku volume as a byte store: where a nested ZEST or CAS volume lives.
///
/// Writes join one open transaction of the volume and become durable together at `flush()`,
/// which commits (docs/FORMAT.md §12); until then a crash loses them and keeps the file's
/// previous committed content, which is the ByteStore contract. While the store is open,
/// other changes the same process makes to the volume join that transaction too.
public final class VolumeFileByteStore: ByteStore {
    public let volume: Volume
    public let name: FileName
    private var isOpen = true

    /// Opens the existing file `name` of `volume`.
    public init(volume: Volume, name: FileName) throws(VolumeError) {
        self.volume = volume
        self.name = name
        _ = try volume.stat(name)
        if !volume.isReadOnly { volume.batchDepth += 1 }
    }

    deinit { if isOpen && !volume.isReadOnly { volume.batchDepth -= 1 } }

    public var isReadOnly: Bool { volume.isReadOnly }

    public var length: UInt64 { (try? volume.stat(name).byteLength) ?? 0 }

    public func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(StoreError) {
        do { try volume.read(name, at: offset, into: buffer) } catch { throw Self.storeError(error) }
    }

    public func write(at offset: UInt64, from bytes: UnsafeRawBufferPointer) throws(StoreError) {
        guard !isReadOnly else { throw .readOnly }
        do { try volume.write(name, at: offset, bytes) } catch { throw Self.storeError(error) }
    }

    public func setLength(_ length: UInt64) throws(StoreError) {
        guard !isReadOnly else { throw .readOnly }
        do { try volume.truncate(name, to: length) } catch { throw Self.storeError(error) }
    }

    /// Commits the volume's open transaction.
    public func flush() throws(StoreError) {
        guard !isReadOnly else { return }
        do { try volume.commitPending() } catch { throw Self.storeError(error) }
    }

    /// Commits and leaves the volume's transaction; the store is unusable afterwards.
    public func close() throws(StoreError) {
        guard isOpen else { return }
        try flush()
        isOpen = false
        if !isReadOnly { volume.batchDepth -= 1 }
    }

    static func storeError(_ error: VolumeError) -> StoreError {
        if case let .store(storeError) = error { return storeError }
        return .backing(error.description)
    }
}
