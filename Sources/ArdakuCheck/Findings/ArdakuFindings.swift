import ArdakuFormat

/// The message table of the Ardaku layer: every finding the check engine can report.
///
/// A code is `A`, the pass (1...7), then a number; codes never change meaning once
/// published, and `docs/FSCK.md` lists them all. The wording lives here and only here:
/// the passes fill in a `FindingContext`, renderers fill the template from it. Templates
/// use `{name}` (a file name), `{page}`, `{subpage}`, `{offset}` (absolute byte address),
/// `{expected}`, `{actual}` and `{detail}`.
public enum ArdakuFindings {
    // MARK: Pass 1: system information block

    public static let systemBlockDamaged = FindingKind(
        "A1001", .error, .preenSafe,
        "The system information block in page 0 is damaged ({detail}); the backup in page {page} is intact.",
        fix: "restored from the backup")
    public static let backupDamaged = FindingKind(
        "A1002", .warning, .preenSafe,
        "The backup system information block in page {page} is damaged ({detail}).",
        fix: "rewritten from page 0")
    public static let backupStale = FindingKind(
        "A1003", .warning, .preenSafe,
        "The backup system information block in page {page} differs from page 0 ({detail}).",
        fix: "rewritten from page 0")
    public static let systemReservedNonZero = FindingKind(
        "A1004", .warning, .preenSafe,
        "Reserved bytes of the system information block are not zero ({detail}).",
        fix: "cleared")
    public static let triePageListTail = FindingKind(
        "A1005", .warning, .preenSafe,
        "Trie page list entries past trie_page_count are not zero (first at {offset}: {actual}).",
        fix: "cleared")
    public static let labelInvalid = FindingKind(
        "A1006", .warning, .needsConfirmation,
        "The volume label is not valid UTF-8 text without NUL bytes ({detail}).",
        fix: "cut before the first invalid byte")
    /// Fatal: neither copy of the system information block can be used.
    public static let noSystemBlock = FindingKind(
        "A1901", .error, .reportOnly,
        "No valid system information block: page 0 is damaged ({detail}) and no intact backup was found.")
    /// Fatal: the image is shorter than the volume.
    public static let truncatedImage = FindingKind(
        "A1902", .error, .reportOnly,
        "The volume has {expected} pages but the image holds only {actual}: the image is truncated.")

    // MARK: Pass 2: file infix tree

    public static let triePageOutOfRange = FindingKind(
        "A2001", .error, .needsConfirmation,
        "Trie page {detail} is listed at page {page}, outside the volume's data pages.",
        fix: "the trie is rebuilt without it")
    public static let triePageListedTwice = FindingKind(
        "A2002", .error, .needsConfirmation,
        "Page {page} is listed as more than one trie page ({detail}).",
        fix: "the trie is rebuilt")
    public static let triePageChecksum = FindingKind(
        "A2003", .error, .needsConfirmation,
        "Trie page {detail} (page {page}) fails its checksum: stored {actual}, computed {expected}.",
        fix: "the trie is rebuilt")
    public static let triePageUnreadable = FindingKind(
        "A2004", .error, .needsConfirmation,
        "Trie page {detail} (page {page}) cannot be decoded: {actual}.",
        fix: "the trie is rebuilt; the files it held are restored from their records")
    public static let triePageOrdinal = FindingKind(
        "A2005", .error, .needsConfirmation,
        "The trie page at page {page} says it is ordinal {actual}; page 0 lists it as ordinal {expected}.",
        fix: "the trie is rebuilt")
    public static let badNodeReference = FindingKind(
        "A2006", .error, .needsConfirmation,
        "Trie node reference {actual} ({detail}) names no node.",
        fix: "the trie is rebuilt")
    public static let nodeDamaged = FindingKind(
        "A2007", .error, .needsConfirmation,
        "Trie node {detail} (page {page}, at {offset}) is damaged: {actual}.",
        fix: "the trie is rebuilt")
    public static let nodeReservedBits = FindingKind(
        "A2008", .warning, .needsConfirmation,
        "Trie node {detail} (page {page}) has reserved bits set ({actual}).",
        fix: "the trie is rebuilt")
    public static let childLabelMismatch = FindingKind(
        "A2009", .error, .needsConfirmation,
        "Trie node {detail} is filed under byte {expected}, but its label starts with {actual}.",
        fix: "the trie is rebuilt")
    public static let childrenUnsorted = FindingKind(
        "A2010", .error, .needsConfirmation,
        "The children of trie node {detail} are not in strictly ascending byte order.",
        fix: "the trie is rebuilt")
    public static let nodeReachedTwice = FindingKind(
        "A2011", .error, .needsConfirmation,
        "Trie node {detail} is reached twice (a loop or a shared subtree).",
        fix: "the trie is rebuilt")
    public static let pathTooLong = FindingKind(
        "A2012", .error, .needsConfirmation,
        "A trie path through node {detail} spells more than 1020 bytes.",
        fix: "the trie is rebuilt")
    public static let rootInvalid = FindingKind(
        "A2013", .error, .needsConfirmation,
        "The trie root {detail} is not a valid root: {actual}.",
        fix: "the trie is rebuilt; the files are restored from their records")
    public static let emptyLabel = FindingKind(
        "A2014", .error, .needsConfirmation,
        "Trie node {detail} below the root has an empty label.",
        fix: "the trie is rebuilt")
    public static let invalidName = FindingKind(
        "A2015", .error, .needsConfirmation,
        "The file name {name} is not valid: {detail}.",
        fix: "renamed")
    public static let fileIsDirectory = FindingKind(
        "A2016", .error, .needsConfirmation,
        "{name} is a file, and other file names start with {name}/.",
        fix: "renamed")
    public static let nonCanonicalNode = FindingKind(
        "A2017", .info, .reportOnly,
        "Trie node {detail} holds no file and has {actual} child(ren); the library would have merged it.")
    public static let valueOutOfRange = FindingKind(
        "A2020", .error, .needsConfirmation,
        "{name} leads to subpage {subpage}, outside the volume's data pages.",
        fix: "name removed")
    public static let leadsToTombstone = FindingKind(
        "A2021", .warning, .preenSafe,
        "{name} leads to a deleted record at subpage {subpage} (an interrupted deletion).",
        fix: "deletion finished")
    public static let leadsToNoRecord = FindingKind(
        "A2022", .error, .needsConfirmation,
        "{name} leads to subpage {subpage}, which holds no record ({detail}).",
        fix: "name removed")
    public static let nameMismatch = FindingKind(
        "A2023", .error, .needsConfirmation,
        "{name} leads to the record of {actual} at subpage {subpage}.",
        fix: "name removed; the record keeps its own name")
    public static let foreignRecord = FindingKind(
        "A2024", .error, .needsConfirmation,
        "{name} leads to a record of another volume ({actual}) at subpage {subpage}.",
        fix: "name removed")
    public static let recordByteRepaired = FindingKind(
        "A2025", .error, .needsConfirmation,
        "The record of {name} at subpage {subpage} is damaged at {offset} ({detail}): stored {actual}, the record's CRC-32 proves {expected}.",
        fix: "rewritten with the proven bytes")
    public static let recordRebuilt = FindingKind(
        "A2026", .error, .needsConfirmation,
        "The record of {name} at subpage {subpage} is damaged ({detail}), but the trie's name and every page it lists prove it.",
        fix: "rebuilt; its modification time, type and tags are marked unproven")
    public static let triePageStrayBytes = FindingKind(
        "A2027", .warning, .needsConfirmation,
        "Trie page {detail} (page {page}) holds non-zero bytes outside its slot table and nodes (first at {offset}: {actual}).",
        fix: "the trie is rebuilt")

    // MARK: Pass 3: metadata records and page lists

    public static let recordChecksum = FindingKind(
        "A3001", .error, .needsConfirmation,
        "The record of {name} at subpage {subpage} fails its checksum: stored {actual}, computed {expected}.",
        fix: "rewritten from what other structures prove (name, page list, length); its modification time, type and tags are marked unproven")
    public static let recordUnreadable = FindingKind(
        "A3002", .error, .needsConfirmation,
        "The record of {name} at subpage {subpage} cannot be decoded: {detail}.",
        fix: "name removed: the record does not say which pages the file has")
    public static let recordReservedBits = FindingKind(
        "A3003", .warning, .needsConfirmation,
        "The record of {name} at subpage {subpage} has reserved or flag bits set.",
        fix: "rewritten with them cleared")
    public static let pageCountMismatch = FindingKind(
        "A3004", .error, .needsConfirmation,
        "{name}: data_page_count is {actual}, but byte_length {detail} needs {expected}.",
        fix: "corrected")
    public static let extensionOutOfRange = FindingKind(
        "A3005", .error, .needsConfirmation,
        "{name}: extension page {detail} is page {page}, outside the volume's data pages; the entries it held are lost.",
        fix: "the lost data pages read as zeros")
    public static let extensionUnreadable = FindingKind(
        "A3006", .error, .needsConfirmation,
        "{name}: extension page {detail} (page {page}) cannot be decoded ({actual}); the entries it held are lost.",
        fix: "the lost data pages read as zeros")
    public static let extensionChecksum = FindingKind(
        "A3007", .error, .needsConfirmation,
        "{name}: extension page {detail} (page {page}) fails its checksum: stored {actual}, computed {expected}.",
        fix: "rewritten")
    public static let extensionForeign = FindingKind(
        "A3008", .error, .needsConfirmation,
        "{name}: extension page {detail} (page {page}) belongs elsewhere ({actual}); the entries it held are lost.",
        fix: "the lost data pages read as zeros")
    public static let entryCountMismatch = FindingKind(
        "A3009", .error, .needsConfirmation,
        "{name}: the record and its extension pages list {actual} data pages; the file has {expected}.",
        fix: "missing pages read as zeros, extra entries dropped")
    public static let dataOutOfRange = FindingKind(
        "A3010", .error, .needsConfirmation,
        "{name}: {detail} lie outside the volume's data pages (first: page {page}).",
        fix: "those pages read as zeros")
    public static let dataOnMetadata = FindingKind(
        "A3011", .error, .needsConfirmation,
        "{name}: {detail} are pages holding metadata (first: page {page}, {actual}).",
        fix: "those pages read as zeros")
    public static let extensionReserved = FindingKind(
        "A3012", .warning, .needsConfirmation,
        "{name}: extension page {detail} (page {page}) has reserved bytes set.",
        fix: "rewritten with them cleared")
    public static let recordFromFuture = FindingKind(
        "A3013", .warning, .needsConfirmation,
        "The record of {name} at subpage {subpage} has generation {actual}, newer than the volume's {expected}.",
        fix: "rewritten with the current generation")
    public static let extensionByteRepaired = FindingKind(
        "A3015", .error, .needsConfirmation,
        "{name}: extension page {detail} is damaged: stored {actual}, the page's CRC-32 proves {expected}.",
        fix: "rewritten with the proven bytes")
    public static let attributesUnproven = FindingKind(
        "A3016", .info, .reportOnly,
        "{name}: an earlier repair rebuilt its record; its modification time, type, tags and attributes are unproven.")
    public static let damageFlagsWithoutFeature = FindingKind(
        "A3017", .error, .needsConfirmation,
        "The record of {name} at subpage {subpage} carries damage flags ({detail}), but page 0 does not announce recorded damage.",
        fix: "page 0 announces it (incompat_features bit 0)")
    public static let attributesWithoutFeature = FindingKind(
        "A3018", .error, .needsConfirmation,
        "The record of {name} at subpage {subpage} has an attribute area, but page 0 does not announce file attributes.",
        fix: "page 0 announces them (incompat_features bit 1)")
    public static let linkCountWrong = FindingKind(
        "A3020", .error, .needsConfirmation,
        "{name}: link_count is {actual}, but the records found with file id {detail} number {expected}.",
        fix: "corrected")
    public static let linkGroupDisagrees = FindingKind(
        "A3021", .error, .needsConfirmation,
        "{name} (subpage {subpage}) has file id {detail} and link_count {actual}, but not the content or attributes of the file's other names.",
        fix: "made a file of its own (link_count 1)")
    public static let linksWithoutFeature = FindingKind(
        "A3022", .error, .needsConfirmation,
        "The record of {name} at subpage {subpage} has link_count {actual}, but page 0 does not announce hard links.",
        fix: "page 0 announces them (incompat_features bit 2)")
    public static let attributesInvalid = FindingKind(
        "A3019", .error, .needsConfirmation,
        "The attribute area of {name} (subpage {subpage}) is invalid: {detail}.",
        fix: "dropped; the file is marked as having unproven attributes")
    public static let fileIDUnfollowable = FindingKind(
        "A3014", .error, .needsConfirmation,
        "The record of {name} at subpage {subpage} has file id {actual}, the largest there is: no next_file_id can be greater.",
        fix: "given a new file id")

    // MARK: Pass 4: cross-checks and lost records

    public static let pageClaimedTwice = FindingKind(
        "A4001", .error, .needsConfirmation,
        "Page {page} is used by more than one file: {detail}.",
        fix: "cloned, so each file keeps its content")
    public static let orphanRecord = FindingKind(
        "A4002", .error, .needsConfirmation,
        "No name leads to the record of {name} (file id {detail}) at subpage {subpage}.",
        fix: "reattached")
    public static let lostFromDamagedTrie = FindingKind(
        "A4003", .error, .needsConfirmation,
        "The damaged trie no longer leads to the record of {name} (file id {detail}) at subpage {subpage}.",
        fix: "restored")
    public static let uncommittedRecord = FindingKind(
        "A4004", .warning, .preenSafe,
        "The record of {name} at subpage {subpage} comes from generation {actual}, which never committed (the volume is at {expected}).",
        fix: "reclaimed")
    public static let supersededRecord = FindingKind(
        "A4005", .warning, .preenSafe,
        "The record of {name} at subpage {subpage} (generation {actual}) was superseded by a newer record of the same file.",
        fix: "reclaimed")
    public static let replacedRecord = FindingKind(
        "A4007", .warning, .preenSafe,
        "The record of {name} at subpage {subpage} (generation {actual}) was replaced by a file renamed over it (generation {expected}).",
        fix: "reclaimed")
    public static let sharedFileID = FindingKind(
        "A4006", .error, .needsConfirmation,
        "{name} and {detail} have the same file id {actual}.",
        fix: "given a new file id")

    // MARK: Pass 5: data page checksums

    public static let dataChecksum = FindingKind(
        "A5001", .error, .needsConfirmation,
        "{name}: data page {detail} (page {page}) does not match its CRC-32: recorded {expected}, computed {actual}.",
        fix: "kept, and the file is marked damaged: its CRC-32 still says what the page should hold")
    public static let holeChecksum = FindingKind(
        "A5002", .warning, .needsConfirmation,
        "{name}: hole {detail} records CRC-32 {actual}; a hole's is {expected}.",
        fix: "kept, and the file is marked damaged: the entry may have named a page that is lost")
    public static let recordedDamage = FindingKind(
        "A5003", .info, .reportOnly,
        "{name} is marked damaged by an earlier repair: {detail}; ardaku get refuses the file (--salvage reads what is there).")
    public static let recordedDamageGone = FindingKind(
        "A5004", .warning, .preenSafe,
        "{name} is marked damaged, but every data page now matches its CRC-32.",
        fix: "the damaged mark is cleared")

    // MARK: Pass 6: used-page bitfield and counters

    public static let usedMarkedFree = FindingKind(
        "A6001", .error, .preenSafe,
        "Bitfield: {detail} marked free but in use.",
        fix: "marked used")
    public static let freeMarkedUsed = FindingKind(
        "A6002", .warning, .preenSafe,
        "Bitfield: {detail} marked used but referenced by nothing.",
        fix: "marked free")
    public static let bitsPastEnd = FindingKind(
        "A6003", .warning, .preenSafe,
        "The bitfield marks {actual} page(s) past the end of the volume.",
        fix: "cleared")
    public static let usedPageCount = FindingKind(
        "A6004", .warning, .preenSafe,
        "used_page_count is {actual}; the volume uses {expected} pages.",
        fix: "corrected")
    public static let fileCount = FindingKind(
        "A6005", .warning, .preenSafe,
        "file_count is {actual}; the volume holds {expected} files.",
        fix: "corrected")
    public static let nextFileID = FindingKind(
        "A6006", .error, .preenSafe,
        "next_file_id is {actual}, but file id {detail} is in use; it must be at least {expected}.",
        fix: "corrected")

    /// Every Ardaku kind, in code order (docs/FSCK.md is checked against this list).
    public static let all: [FindingKind] = [
        systemBlockDamaged, backupDamaged, backupStale, systemReservedNonZero, triePageListTail, labelInvalid,
        noSystemBlock, truncatedImage,
        triePageOutOfRange, triePageListedTwice, triePageChecksum, triePageUnreadable, triePageOrdinal,
        badNodeReference, nodeDamaged, nodeReservedBits, childLabelMismatch, childrenUnsorted, nodeReachedTwice,
        pathTooLong, rootInvalid, emptyLabel, invalidName, fileIsDirectory, nonCanonicalNode,
        valueOutOfRange, leadsToTombstone, leadsToNoRecord, nameMismatch, foreignRecord, recordByteRepaired, recordRebuilt, triePageStrayBytes,
        recordChecksum, recordUnreadable, recordReservedBits, pageCountMismatch, extensionOutOfRange,
        extensionUnreadable, extensionChecksum, extensionForeign, entryCountMismatch, dataOutOfRange,
        dataOnMetadata, extensionReserved, recordFromFuture, fileIDUnfollowable,
        extensionByteRepaired, attributesUnproven, damageFlagsWithoutFeature, attributesWithoutFeature, attributesInvalid,
        linkCountWrong, linkGroupDisagrees, linksWithoutFeature,
        pageClaimedTwice, orphanRecord, lostFromDamagedTrie, uncommittedRecord, supersededRecord, replacedRecord, sharedFileID,
        dataChecksum, holeChecksum, recordedDamage, recordedDamageGone,
        usedMarkedFree, freeMarkedUsed, bitsPastEnd, usedPageCount, fileCount, nextFileID,
    ]

    /// The kind with `code`, if the Ardaku table has it.
    public static func kind(_ code: String) -> FindingKind? { all.first { $0.code.rawValue == code } }
}
