import ArdakuFormat
import CBlkid
import Glibc

/// What libblkid finds on a device or image, and our own probe for an Ardaku volume
/// (libblkid does not know the Ardaku magic).
public enum DeviceProbe {
    /// One signature found on the target.
    public struct Signature: Equatable, Sendable, CustomStringConvertible {
        /// "ext4", "vfat", "gpt", "ardaku", ...
        public var type: String
        public var label: String?
        public var uuid: String?
        /// "filesystem", "raid", "crypto", "partition table", ...
        public var usage: String?
        /// Where the magic bytes are, and how many (for wipe messages).
        public var magicOffset: UInt64?
        public var magicLength: Int?
        /// Seconds since the epoch, for an Ardaku volume.
        public var creationTime: UInt64?

        public var description: String {
            let article = "aeiou".contains(type.lowercased().first ?? "x") ? "an" : "a"
            var text = usage == "partition table" ? "\(article) \(type) partition table" : "\(article) \(type) file system"
            if let label, !label.isEmpty { text += " labelled '\(label)'" }
            return text
        }
    }

    public enum ProbeError: Error, Equatable, CustomStringConvertible {
        case cannotOpen(path: String, errno: Int32)
        case probeFailed(path: String, code: Int32)
        public var description: String {
            switch self {
            case let .cannotOpen(path, code): return "\(path): cannot probe: \(String(cString: strerror(code)))"
            case let .probeFailed(path, code): return "\(path): libblkid probe failed (\(code))"
            }
        }
    }

    /// Every filesystem, RAID, crypto and partition-table signature libblkid recognises on
    /// `path`, plus an Ardaku volume found by its own magic.
    public static func signatures(of path: String) throws(ProbeError) -> [Signature] {
        var found = try blkidSignatures(of: path)
        if let ardaku = ardakuSignature(of: path) { found.append(ardaku) }
        return found
    }

    public static func blkidSignatures(of path: String) throws(ProbeError) -> [Signature] {
        guard let probe = blkid_new_probe_from_filename(path) else { throw .cannotOpen(path: path, errno: errno) }
        defer { blkid_free_probe(probe) }
        guard blkid_probe_get_size(probe) > 0 else { return [] }
        blkid_probe_enable_superblocks(probe, 1)
        blkid_probe_set_superblocks_flags(probe, BLKID_SUBLKS_LABEL | BLKID_SUBLKS_UUID | BLKID_SUBLKS_TYPE
                                          | BLKID_SUBLKS_USAGE | BLKID_SUBLKS_MAGIC | BLKID_SUBLKS_BADCSUM)
        blkid_probe_enable_partitions(probe, 1)
        blkid_probe_set_partitions_flags(probe, BLKID_PARTS_MAGIC)
        var result: [Signature] = []
        while true {
            let rc = blkid_do_probe(probe)
            if rc == 1 { break }
            guard rc == 0 else { throw .probeFailed(path: path, code: rc) }
            result.append(currentSignature(probe))
            guard result.count < 64 else { break }   // a bound against a probe that never ends
        }
        return result
    }

    private static func currentSignature(_ probe: blkid_probe) -> Signature {
        func value(_ name: String) -> String? {
            var data: UnsafePointer<CChar>? = nil
            var length = 0
            guard blkid_probe_lookup_value(probe, name, &data, &length) == 0, let data else { return nil }
            return String(cString: data)
        }
        if let partitionTable = value("PTTYPE") {
            return Signature(type: partitionTable, label: nil, uuid: value("PTUUID"), usage: "partition table",
                             magicOffset: value("PTMAGIC_OFFSET").flatMap { UInt64($0) },
                             magicLength: value("PTMAGIC").map { $0.utf8.count })
        }
        return Signature(type: value("TYPE") ?? "unknown", label: value("LABEL"), uuid: value("UUID"),
                         usage: value("USAGE"), magicOffset: value("SBMAGIC_OFFSET").flatMap { UInt64($0) },
                         magicLength: value("SBMAGIC").map { $0.utf8.count })
    }

    /// An Ardaku volume at `path`: page 0 (or, when page 0 is damaged, the last page) with
    /// our magic and a good checksum.
    public static func ardakuSignature(of path: String) -> Signature? {
        guard let image = try? MappedImage(path: path, mode: .readOnly), image.pageCount >= Limits.minPageCount else { return nil }
        for page in [PageIndex(0), PageIndex(image.pageCount - 1)] {
            guard let bytes = try? image.read(page), let block = try? SystemInformationBlock.decode(bytes, page: page) else { continue }
            return Signature(type: "ardaku", label: block.labelString, uuid: block.uuid.description, usage: "filesystem",
                             magicOffset: page.firstByte.rawValue + UInt64(SystemInformationBlock.Offset.magic), magicLength: 4, creationTime: block.creationTime)
        }
        return nil
    }

    /// A signature erased by `wipe`.
    public struct Wiped: Equatable, Sendable {
        public var type: String
        public var offset: UInt64
        public var length: Int
    }

    /// Erases every signature libblkid finds on the open, writable `descriptor`, as
    /// wipefs does (blkid_do_probe + blkid_do_wipe), and returns what it erased.
    public static func wipeSignatures(descriptor: CInt, path: String) throws(ProbeError) -> [Wiped] {
        guard let probe = blkid_new_probe() else { throw .probeFailed(path: path, code: -ENOMEM) }
        defer { blkid_free_probe(probe) }
        guard blkid_probe_set_device(probe, descriptor, 0, 0) == 0 else { throw .probeFailed(path: path, code: -EINVAL) }
        blkid_probe_enable_superblocks(probe, 1)
        blkid_probe_set_superblocks_flags(probe, BLKID_SUBLKS_MAGIC | BLKID_SUBLKS_TYPE | BLKID_SUBLKS_BADCSUM)
        blkid_probe_enable_partitions(probe, 1)
        blkid_probe_set_partitions_flags(probe, BLKID_PARTS_MAGIC)
        var wiped: [Wiped] = []
        while blkid_do_probe(probe) == 0 {
            let signature = currentSignature(probe)
            guard blkid_do_wipe(probe, 0) == 0 else { throw .probeFailed(path: path, code: -EIO) }
            wiped.append(Wiped(type: signature.type, offset: signature.magicOffset ?? 0, length: signature.magicLength ?? 0))
            guard wiped.count < 64 else { break }
        }
        return wiped
    }

    /// Block-device topology from libblkid (nil for regular files, where it does not apply).
    public struct Topology: Equatable, Sendable {
        public var alignmentOffset: UInt64
        public var minimumIOSize: UInt64
        public var optimalIOSize: UInt64
        public var logicalSectorSize: UInt64
        public var physicalSectorSize: UInt64
    }

    public static func topology(of path: String) -> Topology? {
        guard case .success(let info) = SystemCalls.pathInfo(path), info.kind == .blockDevice,
              let probe = blkid_new_probe_from_filename(path) else { return nil }
        defer { blkid_free_probe(probe) }
        guard let topology = blkid_probe_get_topology(probe) else { return nil }
        return Topology(alignmentOffset: UInt64(blkid_topology_get_alignment_offset(topology)),
                        minimumIOSize: UInt64(blkid_topology_get_minimum_io_size(topology)),
                        optimalIOSize: UInt64(blkid_topology_get_optimal_io_size(topology)),
                        logicalSectorSize: UInt64(blkid_topology_get_logical_sector_size(topology)),
                        physicalSectorSize: UInt64(blkid_topology_get_physical_sector_size(topology)))
    }
}
