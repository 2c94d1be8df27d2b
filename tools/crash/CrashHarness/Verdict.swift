import ArdakuCAS
import ArdakuCheck
import ArdakuCheckers
import ArdakuFormat
import ArdakuVolume
import ArdakuZest

/// The verdict on one crashed image, reached the way a user would: `fsck.zest -fy` (the
/// check engine's repair, in process), then a second check, then reading every file back.
public struct Verdict: Sendable {
    /// nil when the image passes; else what is wrong.
    public var problem: String?
    /// The repair's exit status (0 or 1 when the image passes).
    public var exitStatus: Int32
    /// Codes of the findings the repair made, sorted, each once.
    public var codes: [String]

    /// Judges `image`: the repair exits 0 or 1 and found no referenced page marked free
    /// (A6001); a second check finds nothing; the volume then holds one of `acceptable`
    /// states exactly: every name, every byte of every plain file, and for nested volumes
    /// their own checker's approval and every inner file or tag. `image` is repaired in place.
    public static func judge(_ image: MemoryPageStore, acceptable: [VolumeState]) -> Verdict {
        var options = CheckOptions(repair: .all, force: true, verifyData: true)
        options.workers = 1
        options.nestedCheckers = NestedCheckers.all
        let repair = Checker(store: image, options: options).run()
        let codes = Set(repair.findings.map(\.code.rawValue)).sorted()
        var verdict = Verdict(problem: nil, exitStatus: repair.exitStatus.rawValue, codes: codes)
        guard repair.exitStatus.isSubset(of: .errorsCorrected) else {
            verdict.problem = "fsck -fy exit status \(repair.exitStatus.rawValue): \(repair.findings.prefix(6).map(\.description))"
            return verdict
        }
        if let missing = repair.findings.first(where: { $0.code.rawValue == "A6001" }) {
            verdict.problem = "a page in use was marked free: \(missing)"
            return verdict
        }
        options.repair = .none
        let second = Checker(store: image, options: options).run()
        // Notes (an unreachable CAS object after an untag) are states, not damage.
        let secondProblems = second.findings.filter { $0.finding.severity > .info }
        guard second.exitStatus == .clean, secondProblems.isEmpty else {
            verdict.problem = "second check not clean (exit \(second.exitStatus.rawValue)): \(secondProblems.prefix(6).map(\.description))"
            return verdict
        }
        image.isReadOnly = true
        defer { image.isReadOnly = false }
        let volume: Volume
        do { volume = try Volume(store: image) } catch {
            verdict.problem = "the repaired volume does not open: \(error)"
            return verdict
        }
        var problems: [String] = []
        for state in acceptable {
            guard let problem = mismatch(volume, state) else { return verdict }
            problems.append(problem)
        }
        verdict.problem = "holds none of the acceptable states: " + problems.joined(separator: "; or ")
        return verdict
    }

    /// nil when `volume` holds exactly `state`.
    static func mismatch(_ volume: Volume, _ state: VolumeState) -> String? {
        let names: Set<String>
        do { names = Set(try volume.list().map(\.name)) } catch { return "cannot list: \(error)" }
        if names != state.names {
            let extra = names.subtracting(state.names).sorted(), missing = state.names.subtracting(names).sorted()
            return "names differ (missing \(missing), extra \(extra))"
        }
        for (name, content) in state.files.sorted(by: { $0.key < $1.key }) {
            guard let fileName = try? FileName(name) else { return "bad name \(name)" }
            if let difference = content.mismatch(in: volume, name: fileName) { return "\(name): \(difference)" }
        }
        for (name, nested) in state.nested.sorted(by: { $0.key < $1.key }) {
            guard let fileName = try? FileName(name) else { return "bad name \(name)" }
            if let difference = mismatch(volume, fileName, nested) { return "\(name): \(difference)" }
        }
        return nil
    }

    /// nil when the nested volume in `name` passes its own checker and holds `nested`.
    static func mismatch(_ volume: Volume, _ name: FileName, _ nested: VolumeState.Nested) -> String? {
        let store: VolumeFileByteStore
        do { store = try VolumeFileByteStore(volume: volume, name: name) } catch { return "cannot open: \(error)" }
        switch nested {
        case let .zest(files):
            let findings: [Finding]
            do { findings = try ZestChecker.verify(store, volume: name.string) } catch { return "ZEST check failed: \(error)" }
            if let finding = findings.first(where: { $0.severity > .info }) { return "ZEST finding \(finding.code): \(finding)" }
            do {
                let zest = try ZestVolume.open(store)
                let names = Set(zest.list().map(\.name.string))
                guard names == Set(files.keys) else { return "ZEST names \(names.sorted()), expected \(files.keys.sorted())" }
                for (inner, content) in files where try zest.read(FileName(inner)) != content { return "ZEST \(inner) differs" }
            } catch { return "ZEST volume unreadable: \(error)" }
        case let .cas(tags):
            let findings = CASChecker.verify(store, volume: name.string)
            if let finding = findings.first(where: { $0.severity > .info }) { return "CAS finding \(finding.code): \(finding)" }
            do {
                let cas = try CASVolume.open(store)
                let names = Set(cas.tags.map(\.name))
                guard names == Set(tags.keys) else { return "CAS tags \(names.sorted()), expected \(tags.keys.sorted())" }
                for (tag, content) in tags {
                    guard let id = cas.tag(named: tag), try cas.content(id) == content else { return "CAS tag \(tag) differs" }
                }
            } catch { return "CAS volume unreadable: \(error)" }
        }
        return nil
    }
}
