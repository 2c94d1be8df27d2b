import ArdakuFormat
#if canImport(Glibc)
import Glibc
#endif

extension Checker {
    /// Pass 1: page 0 and its backup (docs/FORMAT.md §4, §13).
    ///
    /// Decodes page 0 (or the page `-b` names). When it is damaged, uses the backup in the
    /// last page, found from page 0's page count, the image size, or by scanning down from
    /// the end for a page holding an intact block. Reports a damaged, stale or misplaced
    /// backup, non-zero reserved bytes, a dirty trie page list tail and an invalid label.
    /// Returns false when no block can be used or the image is shorter than the volume.
    func checkSystemBlock() -> Bool {
        let storePages = store.pageCount
        currentStatistics.items = 2
        guard storePages >= Limits.minPageCount else {
            return fail(ArdakuFindings.noSystemBlock,
                        FindingContext(detail: "the image holds \(storePages) whole pages of 64 KiB, a volume needs at least \(Limits.minPageCount)"))
        }
        let primaryPage = options.systemBlockPage ?? 0
        guard primaryPage < storePages else {
            return fail(ArdakuFindings.noSystemBlock, FindingContext(page: primaryPage, detail: "page \(primaryPage) lies past the end of the image"))
        }
        // Page 0 and the backup (the last page of the image, where a volume that fills it
        // keeps it): fetched together, in two requests rather than thirty-two faults.
        store.willRead([Checker.pageRange(Int(primaryPage)), Checker.pageRange(Int(storePages) - 1)])
        let primary = decodeBlock(at: primaryPage)
        var base: SystemInformationBlock
        var baseBytes: UnsafeRawBufferPointer

        switch primary {
        case .success(let block):
            base = block.asCopy(.primary)
            baseBytes = (try? store.read(PageIndex(primaryPage))) ?? UnsafeRawBufferPointer(start: nil, count: 0)
            guard block.totalPageCount <= storePages else {
                return fail(ArdakuFindings.truncatedImage,
                            FindingContext(expected: String(block.totalPageCount), actual: String(storePages)))
            }
            if primaryPage != 0 {
                // -b: the chosen copy replaces page 0 unless page 0 already says the same.
                if case .success(let zero) = decodeBlock(at: 0), zero.asCopy(.primary) == base, zero.copy == .primary {
                } else {
                    emit(ArdakuFindings.systemBlockDamaged,
                         FindingContext(page: primaryPage, detail: "replaced by the copy in page \(primaryPage), as -b asks"))
                    systemFix.restorePrimary = true
                }
            } else if block.copy != .primary {
                emit(ArdakuFindings.systemReservedNonZero, FindingContext(page: 0, offset: UInt64(SystemInformationBlock.Offset.copy), detail: "page 0 says it is copy 1, the backup"))
                systemFix.rewriteSystem = true
            }
            let backupPage = block.totalPageCount - 1
            switch decodeBlock(at: backupPage) {
            case .failure(let error):
                emit(ArdakuFindings.backupDamaged, FindingContext(page: backupPage, offset: error.address?.rawValue, detail: error.reason))
                systemFix.rewriteBackup = true
            case .success(let backup):
                if backup.asCopy(.primary) != base {
                    let detail = backup.generation != base.generation
                        ? "generation \(backup.generation), page 0 is at \(base.generation)"
                        : "same generation, different fields"
                    emit(ArdakuFindings.backupStale, FindingContext(page: backupPage, detail: detail))
                    systemFix.rewriteBackup = true
                } else if backup.copy != .backup {
                    emit(ArdakuFindings.backupStale, FindingContext(page: backupPage, detail: "its copy field says 0"))
                    systemFix.rewriteBackup = true
                }
            }
        case .failure(let primaryError):
            guard let (backupPage, backup) = SystemInformationBlock.locateBackup(in: store, scanning: true) else {
                return fail(ArdakuFindings.noSystemBlock, FindingContext(page: primaryPage, offset: primaryError.address?.rawValue,
                                                                           detail: primaryError.reason))
            }
            guard backup.totalPageCount <= storePages else {
                return fail(ArdakuFindings.truncatedImage,
                            FindingContext(expected: String(backup.totalPageCount), actual: String(storePages)))
            }
            emit(ArdakuFindings.systemBlockDamaged, FindingContext(page: backupPage, offset: primaryError.address?.rawValue,
                                                                     detail: primaryError.reason))
            systemFix.restorePrimary = true
            base = backup.asCopy(.primary)
            baseBytes = (try? store.read(PageIndex(backupPage))) ?? UnsafeRawBufferPointer(start: nil, count: 0)
        }

        system = base
        allocateState()
        checkReservedBytes(baseBytes, block: base)
        return true
    }

    /// True when pass 1 found nothing and page 0 and the backup agree: the volume was
    /// committed cleanly and, without `-f`, is not checked further.
    var isCleanFastPath: Bool {
        report.findings.isEmpty && report.findingsOmitted == 0 && !systemFix.restorePrimary && !systemFix.rewriteBackup
            && !systemFix.rewriteSystem
    }

    private func fail(_ kind: FindingKind, _ context: FindingContext) -> Bool {
        let finding = Finding(kind, context)
        report.fatalFinding = finding
        report.fatal = finding.message
        return false
    }

    private func decodeBlock(at page: UInt32) -> Result<SystemInformationBlock, FormatError> {
        do {
            return .success(try SystemInformationBlock.decode(try store.read(PageIndex(page)), page: PageIndex(page)))
        } catch let error as FormatError {
            return .failure(error)
        } catch {
            return .failure(FormatError(structure: SystemInformationBlock.structureName, kind: .inconsistent("\(error)"),
                                        address: PageIndex(page).firstByte))
        }
    }

    /// Reserved bytes, label padding, the trie page list past its count, and the label.
    private func checkReservedBytes(_ bytes: UnsafeRawBufferPointer, block: SystemInformationBlock) {
        guard bytes.count == Geometry.pageSize else { return }
        typealias O = SystemInformationBlock.Offset
        let labelEnd = O.label + block.label.count
        let reservedRanges: [(Range<Int>, String)] = [
            (labelEnd..<O.reservedAt03FE, "label padding"), (O.reservedAt03FE..<O.magic, "reserved field at 0x03fe"),
            (O.reservedAt044C..<O.nextFileID, "reserved field at 0x044c"), (O.reservedAt0458..<O.triePages, "reserved area 0x0458-0x07ff"),
        ]
        for (range, what) in reservedRanges {
            if let first = Zeros.firstNonZero(bytes, in: range) {
                emit(ArdakuFindings.systemReservedNonZero, FindingContext(page: 0, offset: UInt64(first), detail: "\(what), first at \(Hex.format(first, width: 4))"))
                systemFix.rewriteSystem = true
            }
        }
        let tailStart = SystemInformationBlock.Offset.triePages + 4 * block.triePages.count
        if let first = Zeros.firstNonZero(bytes, in: tailStart..<SystemInformationBlock.Offset.checksum) {
            let offset = first - (first - tailStart) % 4
            let value = ByteReader.uint32(in: bytes, at: offset) ?? 0
            emit(ArdakuFindings.triePageListTail, FindingContext(page: 0, offset: UInt64(offset), actual: String(value)))
            systemFix.rewriteSystem = true
        }
        if let nul = block.label.firstIndex(of: 0) {
            emit(ArdakuFindings.labelInvalid, FindingContext(page: 0, offset: UInt64(2 + nul), detail: "NUL at label byte \(nul)"))
            systemFix.rewriteSystem = true
        } else if let bad = FileName.firstInvalidUTF8(block.label) {
            emit(ArdakuFindings.labelInvalid, FindingContext(page: 0, offset: UInt64(2 + bad), detail: "invalid UTF-8 at label byte \(bad)"))
            systemFix.rewriteSystem = true
        }
    }

    /// The label as the repair writes it: cut before the first NUL or invalid byte.
    var repairedLabel: [UInt8] {
        var label = system.label
        if let nul = label.firstIndex(of: 0) { label.removeSubrange(nul...) }
        if let bad = FileName.firstInvalidUTF8(label) { label.removeSubrange(bad...) }
        return label
    }
}
