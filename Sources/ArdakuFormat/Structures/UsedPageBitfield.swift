/// The used-page bitfield: pages 1...k, one bit per page of the volume (docs/FORMAT.md §5).
///
/// Bit `p` (page p) is bit `p % 8` (least significant first) of byte `(p % 2^19) / 8` of
/// bitfield page `1 + p / 2^19`. A set bit means the page is in use. Bits for pages at or
/// past total_page_count are zero. The bitfield has no header and no checksum: it is
/// derived data, which fsck recomputes from what is reachable and compares.
public enum UsedPageBitfield {
    public struct BitLocation: Equatable, Sendable {
        /// The bitfield page holding the bit.
        public let bitfieldPage: PageIndex
        public let byteOffset: Int
        public let bit: Int

        public init(bitfieldPage: PageIndex, byteOffset: Int, bit: Int) {
            self.bitfieldPage = bitfieldPage
            self.byteOffset = byteOffset
            self.bit = bit
        }
    }

    public static func location(of page: PageIndex) -> BitLocation {
        let within = page.rawValue % Limits.pagesPerBitfieldPage
        return BitLocation(bitfieldPage: PageIndex(1 + page.rawValue / Limits.pagesPerBitfieldPage),
                           byteOffset: Int(within / 8), bit: Int(within % 8))
    }

    /// The first page whose bit lives in bitfield page `ordinal` (0-based: page 1 is ordinal 0).
    public static func firstPageCovered(byBitfieldOrdinal ordinal: Int) -> UInt32 {
        UInt32(ordinal) * Limits.pagesPerBitfieldPage
    }
}
