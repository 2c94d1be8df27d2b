import ArdakuFormat

/// The CAS layer's message table: every finding `CASChecker` reports (docs/FORMAT.md §C6).
///
/// Codes never change meaning once published. `C1` header, `C2` record framing and CRCs,
/// `C3` object content against its id, `C4` references and duplicates, `C5` index against
/// the records, `C6` reachability and objects known to be lost (information only).
public enum CASFindings {
    // C1: header slots
    public static let noValidHeader = FindingKind("C1001", .error, .needsConfirmation,
        "no valid header in either slot: {detail}", fix: "rebuilt the header, index and tag table from the records")
    public static let headerSlotInvalid = FindingKind("C1002", .warning, .preenSafe,
        "header slot at {offset} is invalid ({detail}); the other slot is used", fix: "rewrote both header slots")
    public static let storeTruncated = FindingKind("C1003", .error, .needsConfirmation,
        "the store is {actual} bytes, shorter than the data end {expected}", fix: "rebuilt the volume from the records that remain")
    public static let unsupportedVersion = FindingKind("C1004", .error, .reportOnly,
        "header slot at {offset}: {detail}; this checker cannot judge the volume")
    public static let currentHeaderDamaged = FindingKind("C1005", .error, .needsConfirmation,
        "the header of committed generation {actual}, slot at {offset}, is damaged, not torn: {detail}",
        fix: "rewrote both header slots for the salvaged generation")
    public static let sealDamaged = FindingKind("C1006", .info, .preenSafe,
        "the commit seal copy at {offset} is torn or damaged (nothing depends on it alone)", fix: "rewrote the commit seal")

    // C2: framing and CRCs
    public static let indexDamaged = FindingKind("C2001", .error, .needsConfirmation,
        "index record at {offset} is unusable: {detail}", fix: "rebuilt the index from the object records")
    public static let tagTableDamaged = FindingKind("C2002", .error, .needsConfirmation,
        "tag table record at {offset} is unusable: {detail}", fix: "restored the tags of the previous or newest intact tag table")
    public static let objectRecordDamaged = FindingKind("C2003", .error, .needsConfirmation,
        "object record of {name} at {offset} is damaged: {detail}", fix: "removed the damaged object from the index")
    public static let objectRecordCRC = FindingKind("C2004", .warning, .preenSafe,
        "object record of {name} at {offset}: framing CRC stored {actual}, computed {expected}, but the content matches its id",
        fix: "resealed the record")
    public static let recordCorrected = FindingKind("C2006", .error, .needsConfirmation,
        "{detail} at {offset} is damaged in one byte, at {actual}; its CRC32 proves the corrected record",
        fix: "rewrote it from the corrected bytes")
    public static let salvagedFromPack = FindingKind("C2007", .warning, .needsConfirmation,
        "object {name} salvaged from the damaged pack record at {offset} ({detail}): its bytes lie before the damage and match its id",
        fix: "wrote it into a new pack")
    public static let strayBytes = FindingKind("C2005", .info, .preenSafe,
        "{detail} at {offset} is not part of the committed volume (left by an interrupted write or a collection)",
        fix: "marked free")

    public static let unreferencedTail = FindingKind("C2008", .info, .preenSafe,
        "{actual} bytes after the data end {offset} belong to no committed record (left by an interrupted put or commit)",
        fix: "cut the store at the data end")

    // C3: content against id
    public static let hashMismatch = FindingKind("C3001", .error, .needsConfirmation,
        "object {name} at {offset} does not match its id: its bytes hash to {actual}", fix: "removed the damaged object from the index")
    public static let inflateFailed = FindingKind("C3002", .error, .needsConfirmation,
        "object {name} at {offset} cannot be inflated: {detail}", fix: "removed the damaged object from the index")
    public static let invalidTypeByte = FindingKind("C3003", .error, .needsConfirmation,
        "object {name} at {offset} has the invalid type byte {actual}", fix: "removed the damaged object from the index")
    public static let malformedPayload = FindingKind("C3004", .error, .reportOnly,
        "object {name} at {offset}: {detail}")

    // C4: references and duplicates
    // A missing object cannot be restored; repair records it as lost (a tag ".lost/ID",
    // docs/FORMAT.md §C2.8) and keeps everything that names it, so a later check reports
    // each reference as known (C6002) instead of as damage.
    public static let danglingItem = FindingKind("C4001", .error, .needsConfirmation,
        "item {name} names {expected}, which is not in the volume", fix: "recorded {expected} as lost (tag \".lost/{expected}\")")
    public static let danglingTreeEntry = FindingKind("C4002", .error, .needsConfirmation,
        "tree {name} lists {expected}, which is not in the volume", fix: "recorded {expected} as lost (tag \".lost/{expected}\")")
    public static let danglingChunk = FindingKind("C4003", .error, .needsConfirmation,
        "chunk list {name} names chunk {expected}, which is not in the volume", fix: "recorded {expected} as lost (tag \".lost/{expected}\")")
    public static let danglingTag = FindingKind("C4004", .error, .needsConfirmation,
        "tag \"{name}\" names {expected}, which is not in the volume", fix: "recorded {expected} as lost (tag \".lost/{expected}\")")
    public static let duplicateID = FindingKind("C4005", .warning, .preenSafe,
        "id {name} is stored twice (records at {offset} and {detail})", fix: "kept one copy")
    public static let wrongReferenceKind = FindingKind("C4006", .error, .reportOnly,
        "{detail} {name} names {expected}, a {actual}")
    public static let duplicateName = FindingKind("C4007", .error, .reportOnly,
        "tree {name} has two entries named \"{detail}\"")
    // Restore refuses such a tree before creating anything (docs/FORMAT.md §C8).
    public static let treeTooDeep = FindingKind("C4008", .error, .reportOnly,
        "tree {name} ({detail}) has directories nested {actual} levels deep, more than the {expected} a restore accepts")
    // The loss cannot be recorded: a repair never replaces a user's tag (docs/FORMAT.md §C2.8).
    public static let lostMarkerTaken = FindingKind("C4009", .error, .reportOnly,
        "{detail} names {expected}, which is not in the volume; the loss cannot be recorded, as the tag \".lost/{expected}\" is a user's tag naming another id")

    // C5: index against records
    public static let indexPointsElsewhere = FindingKind("C5001", .error, .preenSafe,
        "index entry {name} points to {offset}, which holds {detail}", fix: "rebuilt the index")
    public static let indexEntryMismatch = FindingKind("C5002", .warning, .preenSafe,
        "index entry {name} says {expected}, the record at {offset} says {actual}", fix: "rebuilt the index")
    public static let unindexedObject = FindingKind("C5003", .warning, .preenSafe,
        "object {name} at {offset} is not in the index but is named by {detail}", fix: "added it to the index")
    public static let indexEntryOutOfPlace = FindingKind("C5004", .error, .preenSafe,
        "index entry {name} at {offset}: {detail}", fix: "rebuilt the index")
    public static let indexUnsorted = FindingKind("C5005", .warning, .preenSafe,
        "index entries are not in ascending id order at entry {detail}", fix: "rebuilt the index")
    public static let headerCountsWrong = FindingKind("C5006", .warning, .preenSafe,
        "the header counts {actual} objects and tags, the index and tag table hold {expected}", fix: "rebuilt the index")
    public static let tagsUnsorted = FindingKind("C5007", .warning, .preenSafe,
        "tag table entries are not in ascending name order at entry {detail} (\"{name}\")", fix: "rewrote the tag table in name order")
    public static let tagListedTwice = FindingKind("C5008", .error, .needsConfirmation,
        "the tag table lists \"{name}\" again at entry {detail}, naming {actual}; the first entry names {expected}",
        fix: "kept the first entry")

    // C6: reachability
    public static let unreachable = FindingKind("C6001", .info, .reportOnly,
        "object {name} ({detail}) is not reachable from any tag; garbage collection would remove it")
    public static let knownLost = FindingKind("C6002", .info, .reportOnly,
        "{detail} names {expected}, recorded as lost by an earlier repair (tag \".lost/{expected}\")")

    /// Every kind, for documentation and tests.
    public static let all: [FindingKind] = [
        noValidHeader, headerSlotInvalid, storeTruncated, unsupportedVersion, currentHeaderDamaged, sealDamaged,
        indexDamaged, tagTableDamaged, objectRecordDamaged, objectRecordCRC, strayBytes, recordCorrected, salvagedFromPack, unreferencedTail,
        hashMismatch, inflateFailed, invalidTypeByte, malformedPayload,
        danglingItem, danglingTreeEntry, danglingChunk, danglingTag, duplicateID, wrongReferenceKind, duplicateName, treeTooDeep, lostMarkerTaken,
        indexPointsElsewhere, indexEntryMismatch, unindexedObject, indexEntryOutOfPlace, indexUnsorted, headerCountsWrong, tagsUnsorted, tagListedTwice,
        unreachable, knownLost,
    ]
}
