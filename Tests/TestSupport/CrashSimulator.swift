import ArdakuFormat

/// A page store that stops the writer after its N-th write or flush, and then tells what
/// the device could hold: every write before the last completed flush, plus any subset of
/// the later writes, each lost, complete, or torn at 4 KiB sector boundaries
/// (docs/FORMAT.md §12's model of a device).
public final class CrashSimulator: PageStore {
    /// What the device is known to hold (writes up to the last flush).
    private let durable: MemoryPageStore
    /// What the writing process sees.
    private let visible: MemoryPageStore
    /// Writes since the last flush, in order.
    public private(set) var pending: [(page: PageIndex, offset: Int, bytes: [UInt8])] = []
    /// Writes and flushes so far.
    public private(set) var operationCount = 0
    /// Crash at this operation (1-based); nil never crashes.
    public var crashAt: Int?
    public private(set) var crashed = false

    public init(image: [UInt8]) {
        durable = MemoryPageStore(image: image)
        visible = MemoryPageStore(image: image)
    }

    public var pageCount: UInt32 { visible.pageCount }
    public var isReadOnly: Bool { false }

    public func read(_ page: PageIndex) throws(StoreError) -> UnsafeRawBufferPointer { try visible.read(page) }

    private func step() throws(StoreError) {
        guard !crashed else { throw .simulatedCrash(afterOperations: operationCount) }
        operationCount += 1
        if let crashAt, operationCount >= crashAt {
            crashed = true
            throw .simulatedCrash(afterOperations: operationCount - 1)
        }
    }

    public func write(_ bytes: UnsafeRawBufferPointer, to page: PageIndex, at offset: PageOffset) throws(StoreError) {
        try step()
        try visible.write(bytes, to: page, at: offset)
        pending.append((page, Int(offset.rawValue), Array(bytes)))
    }

    public func flush() throws(StoreError) {
        try step()
        for write in pending { try durable.write(write.bytes, to: write.page, at: PageOffset(UInt32(write.offset))) }
        pending.removeAll()
    }

    public func discard(_ pages: Range<UInt32>) throws(StoreError) -> Bool {
        let zeros = [UInt8](repeating: 0, count: Geometry.pageSize)
        for page in pages { try write(zeros, to: PageIndex(page)) }
        return true
    }

    /// The image as the writer left it, had nothing been lost.
    public func visibleImage() -> [UInt8] { visible.snapshot() }

    /// One image the device could hold after the crash: each unflushed write is lost,
    /// applied, or torn (some of its 4 KiB sectors applied), chosen by `generator`.
    public func crashImage<G: RandomNumberGenerator>(using generator: inout G) -> [UInt8] {
        var image = durable.snapshot()
        for write in pending {
            let start = Int(write.page.rawValue) * Geometry.pageSize + write.offset
            switch Int.random(in: 0..<3, using: &generator) {
            case 0:
                continue
            case 1:
                image.replaceSubrange(start..<(start + write.bytes.count), with: write.bytes)
            default:
                // Torn: the device writes whole sectors, any subset of them.
                var index = 0
                while index < write.bytes.count {
                    let sectorEnd = min(write.bytes.count, ((start + index) / Geometry.sectorSize + 1) * Geometry.sectorSize - start)
                    if Bool.random(using: &generator) {
                        image.replaceSubrange((start + index)..<(start + sectorEnd), with: write.bytes[index..<sectorEnd])
                    }
                    index = sectorEnd
                }
            }
        }
        return image
    }

    /// The image with every unflushed write lost, and with every one applied: the two
    /// extremes, always worth checking.
    public func extremeImages() -> (allLost: [UInt8], allApplied: [UInt8]) { (durable.snapshot(), visible.snapshot()) }
}
