import ArdakuFormat
import ArdakuVolume

/// Why a repair stopped before its commit. The committed state is then untouched: every
/// write so far went to pages nothing references.
enum RepairError: Error, CustomStringConvertible {
    /// Not enough free pages for the new trie, records, extension pages or copies: the
    /// repair took every page free in every view (`pagesTaken`) and needed more.
    case noSpace(pagesTaken: Int)
    /// A file lists more pages than one record and its extension pages can hold.
    case recordTooLarge(pages: Int)
    /// The store refused a write or a flush.
    case store(StoreError)
    /// The volume library refused a trie operation.
    case volume(VolumeError)
    /// A record the check kept could not be decoded again.
    case record(subpage: Int, FormatError)
    /// The state about to be committed does not check clean; the message is its first finding.
    case verification(String)
    /// No free name was found for a file that must move.
    case noName(String)

    var description: String {
        switch self {
        case let .noSpace(taken):
            return "no free pages left for the repair: it needs more than the \(taken) page\(taken == 1 ? "" : "s") free on the volume"
        case let .recordTooLarge(pages): return "a file of \(pages) pages does not fit in one record"
        case let .store(error): return error.description
        case let .volume(error): return error.description
        case let .record(subpage, error): return "record at subpage \(subpage): \(error)"
        case let .verification(finding): return "the repaired volume would not check clean: \(finding)"
        case let .noName(name): return "no free name to move \(name) to"
        }
    }
}
