import ArdakuFormat
import Testing

@Suite struct ZerosTests {
    @Test func findsTheFirstNonZeroByteAnywhere() {
        // Longer than one page of zeros, so the scan crosses a chunk boundary.
        let count = Geometry.pageSize * 2 + 37
        for position in [0, 1, 7, 8, 4095, 4096, Geometry.pageSize - 1, Geometry.pageSize, Geometry.pageSize + 1, count - 1] {
            var bytes = [UInt8](repeating: 0, count: count)
            bytes[position] = 0x80
            bytes.withUnsafeBytes { raw in
                #expect(Zeros.firstNonZero(raw, in: 0..<count) == position)
                #expect(!Zeros.isAllZero(raw))
                #expect(Zeros.firstNonZero(raw, in: (position + 1)..<count) == nil)
                #expect(Zeros.firstNonZero(raw, in: 0..<position) == nil)
            }
        }
    }

    @Test func clampsRangesAndAcceptsEmptyBuffers() {
        let bytes: [UInt8] = [0, 0, 5, 0]
        bytes.withUnsafeBytes { raw in
            #expect(Zeros.firstNonZero(raw, in: -4..<100) == 2)
            #expect(Zeros.firstNonZero(raw, in: 3..<100) == nil)
            #expect(Zeros.firstNonZero(raw, in: 2..<2) == nil)
        }
        #expect(Zeros.isAllZero(UnsafeRawBufferPointer(start: nil, count: 0)))
        #expect(Zeros.isAllZero(Zeros.page))
        #expect(Zeros.page.count == Geometry.pageSize)
    }
}
