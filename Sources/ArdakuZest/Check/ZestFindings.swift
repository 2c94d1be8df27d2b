import ArdakuFormat

/// The ZEST layer's message table: one row per finding code (docs/FORMAT.md §Z11).
///
/// Z2005 is not used: a chain longer than the store allows is reported as Z2002.
/// Codes: `Z1xxx` header, `Z2xxx` fragment chain, `Z3xxx` entries, `Z4xxx` segments,
/// `Z5xxx` content, `Z6xxx` free space. A code never changes meaning once published.
public enum ZestFindings {
    // MARK: Z1 header
    public static let primaryHeaderDamaged = FindingKind(
        "Z1001", .warning, .preenSafe, "primary header at {offset} is damaged ({detail}); the backup is intact",
        fix: "primary header rewritten from the backup")
    public static let backupHeaderDamaged = FindingKind(
        "Z1002", .warning, .preenSafe, "backup header at {offset} is damaged ({detail})",
        fix: "backup header rewritten from the primary")
    public static let bothHeadersDamaged = FindingKind(
        "Z1003", .error, .needsConfirmation, "both header copies are damaged; segment size inferred as {actual}",
        fix: "header rewritten with segment size {actual}")
    public static let headerCopiesDiffer = FindingKind(
        "Z1004", .warning, .preenSafe, "the header copies differ ({detail})",
        fix: "backup header rewritten from the primary")
    public static let volumeTooShort = FindingKind(
        "Z1005", .error, .needsConfirmation, "the volume has {actual} bytes, fewer than the {expected} of an empty volume",
        fix: "empty volume written")
    public static let unsupportedHeader = FindingKind(
        "Z1006", .error, .reportOnly, "header at {offset}: {detail}")
    public static let unreadable = FindingKind(
        "Z1007", .error, .reportOnly, "the volume cannot be read ({detail})")
    public static let sealDamaged = FindingKind(
        "Z1008", .info, .preenSafe, "the commit seal copy at {offset} is torn or damaged (nothing depends on it alone)",
        fix: "commit seal rewritten")
    public static let sealStale = FindingKind(
        "Z1009", .info, .preenSafe,
        "the commit seal (commit {actual}) does not describe the table: the last commit ended before its seal was written, or a writer that keeps no seal wrote the volume",
        fix: "commit seal rewritten")

    // MARK: Z2 fragment chain
    public static let linkOutOfRange = FindingKind(
        "Z2001", .error, .needsConfirmation, "fragment at {offset} links to segment {actual}, outside the data area",
        fix: "chain ended at this fragment")
    public static let chainLoop = FindingKind(
        "Z2002", .error, .needsConfirmation, "fragment at {offset} links to segment {actual}: the chain loops or does not end",
        fix: "chain cut")
    public static let fragmentChecksum = FindingKind(
        "Z2003", .error, .needsConfirmation, "fragment pair at {offset} has no slot with a valid CRC32 ({detail})",
        fix: "table rebuilt from the entries whose own CRC32 and content are intact")
    public static let badEntrySize = FindingKind(
        "Z2004", .error, .needsConfirmation, "entry at {offset} has an impossible size SZ {actual}; the entries after it are lost",
        fix: "table rebuilt without the unreadable rest of the fragment")
    public static let nonZeroTail = FindingKind(
        "Z2006", .warning, .preenSafe, "fragment slot has non-zero bytes after its last entry, at {offset}",
        fix: "fragment rewritten")
    public static let tornSlot = FindingKind(
        "Z2007", .info, .preenSafe, "the other slot of the fragment pair, at {offset}, is torn or damaged (an interrupted write)",
        fix: "slot cleared")
    public static let damagedCommittedSlot = FindingKind(
        "Z2008", .error, .needsConfirmation,
        "the current slot of the fragment pair, at {offset}, belongs to a completed commit and is damaged, not torn: {detail}",
        fix: "table rebuilt from the damaged slot's entries whose own CRC32 and content are intact")
    public static let correctedSlot = FindingKind(
        "Z2009", .error, .needsConfirmation,
        "fragment slot at {offset} is damaged in one byte, at {actual}; its CRC32 proves the corrected slot",
        fix: "slot rewritten from the corrected bytes")

    // MARK: Z3 entries
    public static let invalidName = FindingKind(
        "Z3001", .error, .needsConfirmation, "entry at {offset} has an invalid name ({detail})",
        fix: "file moved to {name}")
    public static let duplicateName = FindingKind(
        "Z3002", .error, .needsConfirmation, "entry at {offset} repeats the name {detail}",
        fix: "file moved to {name}")
    public static let entryChecksum = FindingKind(
        "Z3003", .error, .needsConfirmation, "entry {name} at {offset}: CRC32 {actual}, expected {expected}",
        fix: "entry rewritten (its content is intact)")
    public static let unknownKind = FindingKind(
        "Z3004", .error, .needsConfirmation, "entry {name} at {offset} has unknown kind {actual}",
        fix: "entry dropped")
    public static let pathConflict = FindingKind(
        "Z3005", .warning, .needsConfirmation, "{detail} is a file and also a directory of other files",
        fix: "file moved to {name}")
    public static let badDictionaryEntry = FindingKind(
        "Z3006", .error, .needsConfirmation, "dictionary entry at {offset} is malformed ({detail})",
        fix: "dictionary dropped")

    // MARK: Z4 segments
    public static let contentOutsideVolume = FindingKind(
        "Z4001", .error, .needsConfirmation, "{name}: content at segment {actual} lies outside the data area or the store ({detail})",
        fix: "entry dropped")
    public static let overlap = FindingKind(
        "Z4002", .error, .needsConfirmation, "{name}: segments {actual} overlap {detail}",
        fix: "content copied to free segments")
    public static let inconsistentLengths = FindingKind(
        "Z4003", .error, .needsConfirmation, "{name} at {offset}: {detail}",
        fix: "entry dropped")

    // MARK: Z5 content
    public static let contentChecksum = FindingKind(
        "Z5001", .error, .needsConfirmation, "{name}: content CRC32 {actual}, expected {expected}",
        fix: "entry dropped (its content is lost)")
    public static let decompressionFailed = FindingKind(
        "Z5002", .error, .needsConfirmation, "{name}: content does not decompress ({detail})",
        fix: "entry dropped (its content is lost)")
    public static let missingDictionary = FindingKind(
        "Z5003", .error, .needsConfirmation, "{name}: compressed with dictionary {actual}, which is missing or damaged",
        fix: "entry dropped (its content is lost)")
    public static let unknownCodec = FindingKind(
        "Z5004", .error, .needsConfirmation, "{name}: unknown codec {actual}",
        fix: "entry dropped")

    // MARK: Z6 free space
    public static let freeTail = FindingKind(
        "Z6001", .info, .preenSafe, "{detail} unused bytes at the end of the store, from {offset}",
        fix: "store cut to {expected} bytes")
    public static let partialSegment = FindingKind(
        "Z6002", .warning, .preenSafe, "store length {actual} is not a whole number of {detail}-byte segments",
        fix: "store length set to {expected}")

    /// Every kind, for tables and documentation.
    public static let all: [FindingKind] = [
        primaryHeaderDamaged, backupHeaderDamaged, bothHeadersDamaged, headerCopiesDiffer, volumeTooShort, unsupportedHeader, unreadable,
        sealDamaged, sealStale,
        linkOutOfRange, chainLoop, fragmentChecksum, badEntrySize, nonZeroTail, tornSlot, damagedCommittedSlot, correctedSlot,
        invalidName, duplicateName, entryChecksum, unknownKind, pathConflict, badDictionaryEntry,
        contentOutsideVolume, overlap, inconsistentLengths,
        contentChecksum, decompressionFailed, missingDictionary, unknownCodec,
        freeTail, partialSegment,
    ]
}
