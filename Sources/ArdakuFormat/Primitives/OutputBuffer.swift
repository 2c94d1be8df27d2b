/// Where rendered output goes: a large buffer handed to a sink in big chunks.
///
/// Views never print. They append text to an `OutputBuffer`; the buffer passes full
/// chunks (1 MiB by default) to its sink, which the tools point at standard output
/// (`dumpfs`, `ardaku zest get`: ArdakuIO's `StandardOutput.write`) and tests at an array. The hex renderer writes straight into
/// the buffer's memory through `reserve(_:)`, so a dump costs no allocation per line.
public final class OutputBuffer {
    /// Receives each chunk; may throw (a failed write), which stops the view.
    public typealias Sink = (UnsafeRawBufferPointer) throws -> Void

    public let capacity: Int
    private let storage: UnsafeMutableRawPointer
    private var used = 0
    private let sink: Sink

    /// - Parameter capacity: bytes held before the sink is called; at least 4 KiB.
    public init(capacity: Int = 1 << 20, sink: @escaping Sink) {
        self.capacity = max(capacity, 4096)
        storage = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 64)
        self.sink = sink
    }

    deinit { storage.deallocate() }

    /// Room for at least `count` bytes (at most `capacity`) at the end of the buffer,
    /// flushing first when needed. Write there, then `commit` what was written.
    @inline(__always)
    public func reserve(_ count: Int) throws -> UnsafeMutableRawPointer {
        precondition(count <= capacity, "reserve(\(count)) exceeds the buffer's capacity \(capacity)")
        if capacity - used < count { try flush() }
        return storage + used
    }

    /// Marks `count` bytes written after a `reserve`.
    @inline(__always)
    public func commit(_ count: Int) { used += count }

    /// Hands everything buffered to the sink.
    public func flush() throws {
        guard used > 0 else { return }
        let chunk = UnsafeRawBufferPointer(start: storage, count: used)
        used = 0
        try sink(chunk)
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard var source = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            if used == capacity { try flush() }
            let take = min(remaining, capacity - used)
            (storage + used).copyMemory(from: source, byteCount: take)
            used += take
            source += take
            remaining -= take
        }
    }

    public func write(_ text: String) throws {
        var text = text
        try text.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
    }

    /// `text` followed by a newline.
    public func line(_ text: String = "") throws {
        try write(text)
        try byte(0x0A)
    }

    public func byte(_ value: UInt8) throws {
        if used == capacity { try flush() }
        storage.storeBytes(of: value, toByteOffset: used, as: UInt8.self)
        used += 1
    }
}

extension OutputBuffer {
    /// Runs `body` against a buffer whose chunks are collected, and returns them as text;
    /// for tests and for callers that want a `String`.
    public static func render(_ body: (OutputBuffer) throws -> Void) rethrows -> String {
        String(decoding: try renderBytes(body), as: UTF8.self)
    }

    /// Like `render`, as bytes.
    public static func renderBytes(_ body: (OutputBuffer) throws -> Void) rethrows -> [UInt8] {
        let collector = Collector()
        let output = OutputBuffer(capacity: 1 << 16) { collector.bytes.append(contentsOf: $0) }
        try body(output)
        // The collecting sink cannot fail.
        try! output.flush()
        return collector.bytes
    }

    private final class Collector { var bytes: [UInt8] = [] }
}
