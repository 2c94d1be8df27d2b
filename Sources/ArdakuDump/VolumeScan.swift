import ArdakuFormat

/// What every structure view needs to know first: which system information block to
/// believe, how many pages the volume has, and where its fixed structures are.
///
/// Page 0 is believed when it decodes with a good checksum; else the backup when it does;
/// else page 0 with a bad checksum, else the backup with one (docs/FORMAT.md §13). When
/// no copy decodes, the views fall back to the image's size and say so.
public final class VolumeScan {
    public let image: ImageBytes
    /// The image's name, for headings and messages.
    public let imageName: String
    /// Whole 64 KiB pages in the image.
    public let imagePages: UInt64

    /// Page 0 field by field; nil when the image is shorter than one page.
    public let primary: StructureView?
    /// Where the backup copy was looked for, and what is there.
    public let backupPage: UInt32?
    public let backup: StructureView?

    /// The block the views follow, and which copy it is.
    public let system: SystemInformationBlock?
    public let systemPage: UInt32?
    /// How the block was chosen ("page 0", "backup in page 255: page 0 ...").
    public let systemChoice: String

    /// Pages of the volume: total_page_count of the chosen block, else the image's.
    public let totalPageCount: UInt64
    /// Bitfield pages, pages 1...k.
    public let bitfieldPageCount: Int

    public init(image: ImageBytes, name: String) {
        self.image = image
        imageName = name
        imagePages = image.wholePageCount

        let strict0 = image.page(0).flatMap { try? SystemInformationBlock.decode($0, page: PageIndex(0)) }
        let loose0 = image.page(0).flatMap { try? SystemInformationBlock.decode($0, page: PageIndex(0), verifyChecksum: false) }
        primary = image.page(0).map { SystemBlockFields.view($0, page: 0, imagePages: image.wholePageCount, expectedCopy: 0) }

        // The backup is in the last page of the volume page 0 describes, else of the image.
        var backupCandidate: UInt32?
        if let loose0, UInt64(loose0.totalPageCount) <= image.wholePageCount {
            backupCandidate = loose0.totalPageCount - 1
        } else if image.wholePageCount >= UInt64(Limits.minPageCount) {
            backupCandidate = UInt32(clamping: min(image.wholePageCount, UInt64(Limits.maxPageCount)) - 1)
        }
        backupPage = backupCandidate
        var strict1: SystemInformationBlock?, loose1: SystemInformationBlock?
        if let page = backupCandidate, let bytes = image.page(page) {
            backup = SystemBlockFields.view(bytes, page: page, imagePages: image.wholePageCount, expectedCopy: 1)
            strict1 = try? SystemInformationBlock.decode(bytes, page: PageIndex(page))
            loose1 = try? SystemInformationBlock.decode(bytes, page: PageIndex(page), verifyChecksum: false)
        } else {
            backup = nil
        }

        let primaryReason = primary?.problems.first ?? "the image is shorter than one page"
        if let strict0 {
            system = strict0; systemPage = 0; systemChoice = "page 0"
        } else if let strict1, let page = backupCandidate {
            system = strict1; systemPage = page
            systemChoice = "backup in page \(page) (page 0 \(primaryReason))"
        } else if let loose0 {
            system = loose0; systemPage = 0
            systemChoice = "page 0 despite its checksum (the backup \(backupCandidate.map { "in page \($0)" } ?? "") does not decode either)"
        } else if let loose1, let page = backupCandidate {
            system = loose1; systemPage = page
            systemChoice = "backup in page \(page) despite its checksum (page 0 \(primaryReason))"
        } else {
            system = nil; systemPage = nil
            systemChoice = "none: neither page 0 nor the backup decodes; sizes come from the image"
        }
        if let system {
            totalPageCount = UInt64(system.totalPageCount)
        } else {
            totalPageCount = min(image.wholePageCount, UInt64(Limits.maxPageCount))
        }
        bitfieldPageCount = VolumeLayout.bitfieldPageCount(forTotal: UInt32(totalPageCount))
    }

    /// Pages a trie page, record, extension or data page may be: after the bitfield,
    /// before the backup.
    public var allocatablePages: Range<UInt64> {
        let first = UInt64(1 + bitfieldPageCount)
        return totalPageCount > first ? first..<(totalPageCount - 1) : first..<first
    }

    /// The page of the backup copy, as the volume's size places it.
    public var lastPage: UInt64? { totalPageCount > 0 ? totalPageCount - 1 : nil }

    /// Whether the bitfield marks `page` used; nil when its bitfield page is not in the image
    /// or the page lies past the volume.
    public func isMarked(_ page: UInt64) -> Bool? {
        guard page < totalPageCount else { return nil }
        let location = UsedPageBitfield.location(of: PageIndex(UInt32(page)))
        let offset = (UInt64(location.bitfieldPage.rawValue) << 16) + UInt64(location.byteOffset)
        guard let byte = image.bytes(at: offset, count: 1)?.first else { return nil }
        return byte & (1 << UInt8(location.bit)) != 0
    }

    /// The chosen block field by field (page 0's or the backup's view).
    public var systemView: StructureView? {
        guard let systemPage else { return nil }
        return systemPage == 0 ? primary : backup
    }

    /// The generation of the chosen block (0 when none decodes).
    public var generation: UInt64 { system?.generation ?? 0 }
}
