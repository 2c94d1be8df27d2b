import ArdakuCAS
import ArdakuFormat
import ArdakuZest

/// What `ardaku probe` says a device, an image or a host file holds, in blkid's terms: the
/// tags it prints, in blkid's order (LABEL, UUID, VERSION, TYPE).
///
/// TYPE names (README, "ardaku probe"):
/// - `ardaku`: an Ardaku volume (Part I of docs/FORMAT.md), with its label and UUID;
/// - `zest`: a standalone ZEST volume (Part II), as `fsck.zest` is named for it;
/// - `ardaku-cas`: a standalone CAS volume (Part III); a bare "cas" would be too general a
///   name among blkid's types.
/// ZEST and CAS headers carry no label and no UUID, so those have TYPE and VERSION only.
/// As blkid does, an empty label and the nil UUID are left out rather than printed empty.
public struct VolumeIdentity: Equatable, Sendable {
    public var label: [UInt8]?
    public var uuid: String?
    public var version: String
    public var type: String

    public static let ardakuType = "ardaku"
    public static let zestType = "zest"
    public static let casType = "ardaku-cas"

    /// The tags in blkid's order, each name with its value's bytes.
    public var tags: [(name: String, value: [UInt8])] {
        var result: [(String, [UInt8])] = []
        if let label, !label.isEmpty { result.append(("LABEL", label)) }
        if let uuid { result.append(("UUID", Array(uuid.utf8))) }
        result.append(("VERSION", Array(version.utf8)))
        result.append(("TYPE", Array(type.utf8)))
        return result
    }

    /// Identifies what a store of `byteCount` bytes holds, reading through `read(offset,
    /// count)` (nil when the bytes cannot be had); nil when it is none of the three.
    ///
    /// An Ardaku volume is page 0 that decodes (magic, CRC-32, version, limits: FORMAT.md
    /// §4), or, when page 0 does not, the backup in the store's last page naming that page
    /// as its volume's last (§13, as a reader opens it). A ZEST volume is a header copy at
    /// byte 0 or 2048 that decodes (§Z3); a CAS volume a header slot at 0 or 4096 that does
    /// (§C3.1). Each decoder checks its structure's CRC-32, so a magic alone is not enough.
    public static func identify(byteCount: UInt64, read: (UInt64, Int) -> [UInt8]?) -> VolumeIdentity? {
        if let block = ardakuBlock(byteCount: byteCount, read: read) {
            return VolumeIdentity(label: block.label, uuid: block.uuid == .zero ? nil : block.uuid.description,
                                  version: String(SystemInformationBlock.version), type: ardakuType)
        }
        for offset in [0, ZestLimits.backupHeaderOffset] {
            guard let bytes = read(UInt64(offset), ZestHeader.encodedSize),
                  let header = try? ZestHeader.decode(bytes, origin: UInt64(offset)) else { continue }
            return VolumeIdentity(label: nil, uuid: nil, version: String(header.version), type: zestType)
        }
        for offset in VolumeHeader.slotOffsets {
            guard let bytes = read(offset, VolumeHeader.encodedSize),
                  (try? bytes.withUnsafeBytes { raw throws(FormatError) in try VolumeHeader.decode(raw, origin: offset) }) != nil
            else { continue }
            return VolumeIdentity(label: nil, uuid: nil, version: String(VolumeHeader.version), type: casType)
        }
        return nil
    }

    private static func ardakuBlock(byteCount: UInt64, read: (UInt64, Int) -> [UInt8]?) -> SystemInformationBlock? {
        let pageCount = byteCount / UInt64(Geometry.pageSize)
        guard pageCount >= UInt64(Limits.minPageCount) else { return nil }
        let last = UInt32(clamping: pageCount - 1)
        for page in [PageIndex(0), PageIndex(last)] {
            guard let bytes = read(page.firstByte.rawValue, Geometry.pageSize),
                  let block = try? bytes.withUnsafeBytes({ raw throws(FormatError) in
                      try SystemInformationBlock.decode(raw, page: page)
                  }) else { continue }
            if page.rawValue != 0, block.totalPageCount - 1 != page.rawValue { continue }
            return block
        }
        return nil
    }
}
