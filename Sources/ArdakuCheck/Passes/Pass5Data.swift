import ArdakuFormat
import ArdakuVolume
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

extension Checker {
    /// One data page to verify.
    struct DataJob {
        /// The mapped bytes, or nil when the page is read with `PageStore.copy` (`isShort`)
        /// or cannot be read.
        var bytes: UnsafeRawPointer?
        var count: Int
        var recorded: UInt32
        var subpage: Int
        var ordinal: Int
        var page: Int

        /// A page holding so few bytes of its file that it is copied rather than mapped.
        var isShort: Bool { count <= Checker.copiedPageBytes }
        /// The file's bytes in the page, for `PageStore.willRead`.
        var range: Range<UInt64> { Checker.pageRange(page, bytes: count) }
    }

    /// Data pages verified per batch: 4096 pages are 256 MiB of data and 160 KiB of jobs.
    static let dataBatch = 4096

    /// Pages holding at most this many bytes of a file are copied (`PageStore.copy`) rather
    /// than mapped: a small file's page is one fault for a few KiB, and measured here a
    /// `pread` of 4 KiB costs half of a fault and its unmapping.
    static let copiedPageBytes = 16 << 10

    /// The CRC-32 of a whole page of zeros, which every full hole records.
    static let zeroPageChecksum = CRC32.checksumOfZeros(count: Geometry.pageSize)

    /// Pass 5: every data page's CRC-32 (docs/FORMAT.md §8.1), on every core.
    ///
    /// Walks the kept files in subpage order and queues their data pages in batches; each
    /// batch is split among the cores (`DispatchQueue.concurrentPerform`), each computing
    /// the PCLMUL CRC-32 of its share of pages straight from the mapped image. A page whose
    /// CRC-32 does not match is reported and kept (a repair makes the record's CRC-32 match
    /// the bytes, so the file reads again); a hole must record the CRC-32 of its zeros.
    func checkData() -> Bool {
        // File contents run through pages mostly in order: the store's read-ahead pays here
        // (hinting each small file's bytes instead cost one device request per page).
        store.expect(.streaming)
        defer { store.expect(.scattered) }
        var jobs: [DataJob] = []
        jobs.reserveCapacity(Checker.dataBatch)
        var done: UInt64 = 0
        var cancelled = false
        recordedDamage = [:]
        keep.forEach { subpage in
            guard let record = recordView(subpage) else { return true }
            let plan = entryPlan(record, subpage: subpage, name: "", report: false)
            if record.flags & RecordFlags.damagedData.rawValue != 0 { recordedDamage[subpage] = [] }
            forEachEntry(record, plan) { ordinal, entry, lost in
                let count = PageEntry.bytesInPage(ordinal: UInt64(ordinal), byteLength: plan.finalLength)
                switch classify(entry, lost: lost) {
                case .data(let page):
                    var job = DataJob(bytes: nil, count: count, recorded: entry.checksum, subpage: subpage, ordinal: ordinal, page: page)
                    if !job.isShort { job.bytes = pageBytes(page)?.baseAddress }
                    jobs.append(job)
                case .hole:
                    let expected = count == Geometry.pageSize ? Checker.zeroPageChecksum : CRC32.checksumOfZeros(count: count)
                    if entry.checksum != expected, recordedDamage[subpage] != nil {
                        recordedDamage[subpage]?.append(ordinal)
                    } else if entry.checksum != expected {
                        emit(ArdakuFindings.holeChecksum,
                             FindingContext(name: Checker.display(record.name), subpage: UInt32(subpage),
                                            expected: Hex.format(expected, width: 8), actual: Hex.format(entry.checksum, width: 8),
                                            detail: String(ordinal)))
                        crcBad.insert(subpage)
                    }
                case .lostHole, .outOfRange, .onMetadata:
                    break
                }
            }
            if jobs.count >= Checker.dataBatch {
                verify(jobs)
                done += UInt64(jobs.count)
                jobs.removeAll(keepingCapacity: true)
                progress(done, of: max(dataPageTotal, done))
                if options.isCancelled() { cancelled = true; return false }
            }
            return true
        }
        if !cancelled && !jobs.isEmpty {
            verify(jobs)
            done += UInt64(jobs.count)
        }
        progress(done, of: max(dataPageTotal, done))
        currentStatistics.items = done
        if !cancelled { reportRecordedDamage() }
        return !cancelled
    }

    /// Files an earlier repair marked damaged (`RecordFlags.damagedData`): each is named on
    /// every run with the byte ranges that fail (information: the damage is known and
    /// `ardaku get` refuses those bytes). A marked file whose pages all match again (a
    /// passing read error) loses the mark.
    private func reportRecordedDamage() {
        for subpage in recordedDamage.keys.sorted() {
            guard let record = recordView(subpage), let ordinals = recordedDamage[subpage] else { continue }
            let name = Checker.display(record.name)
            if ordinals.isEmpty {
                emit(ArdakuFindings.recordedDamageGone, FindingContext(name: name, subpage: UInt32(subpage)))
                damageCleared.insert(subpage)
                continue
            }
            let plan = entryPlan(record, subpage: subpage, name: "", report: false)
            // Adjacent pages' ranges merged, as `ardaku get` names them.
            var ranges: [Range<UInt64>] = []
            for ordinal in ordinals.sorted() {
                let start = UInt64(ordinal) << 16
                let end = start + UInt64(PageEntry.bytesInPage(ordinal: UInt64(ordinal), byteLength: plan.finalLength))
                if let last = ranges.last, last.upperBound == start { ranges[ranges.count - 1] = last.lowerBound..<end } else { ranges.append(start..<end) }
            }
            emit(ArdakuFindings.recordedDamage,
                 FindingContext(name: name, subpage: UInt32(subpage), detail: VolumeError.describe(ranges)))
        }
    }

    /// Verifies one batch on every core and reports the pages that do not match, in order.
    private func verify(_ jobs: [DataJob]) {
        // The short pages are read with single small reads: fetched ahead together when cold.
        store.willRead(jobs.compactMap { job in
            job.isShort ? job.range : nil
        })
        var computed = [UInt32](repeating: 0, count: jobs.count)
        let workers = max(1, min(jobs.count, options.workers > 0 ? options.workers : Checker.processorCount))
        jobs.withUnsafeBufferPointer { jobBuffer in
            computed.withUnsafeMutableBufferPointer { results in
                let shared = UncheckedSendable((jobBuffer, results, store))
                DispatchQueue.concurrentPerform(iterations: workers) { worker in
                    let (jobs, results, store) = shared.value
                    let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: Checker.copiedPageBytes, alignment: 64)
                    defer { copy.deallocate() }
                    var index = worker * jobs.count / workers
                    let end = (worker + 1) * jobs.count / workers
                    while index < end {
                        let job = jobs[index]
                        if let base = job.bytes {
                            results[index] = CRC32.checksum(UnsafeRawBufferPointer(start: base, count: job.count))
                        } else if job.isShort,
                                  (try? store.copy(PageIndex(UInt32(job.page)), into: UnsafeMutableRawBufferPointer(rebasing: copy[0..<job.count]))) != nil {
                            results[index] = CRC32.checksum(UnsafeRawBufferPointer(rebasing: copy[0..<job.count]))
                        } else {
                            results[index] = ~job.recorded   // unreadable: never matches
                        }
                        index += 1
                    }
                }
            }
        }
        for (index, job) in jobs.enumerated() {
            currentStatistics.bytesVerified += UInt64(job.count)
            guard computed[index] != job.recorded else { continue }
            if recordedDamage[job.subpage] != nil {
                recordedDamage[job.subpage]?.append(job.ordinal)
                continue
            }
            crcBad.insert(job.subpage)
            let name = recordView(job.subpage).map { Checker.display($0.name) } ?? "?"
            emit(ArdakuFindings.dataChecksum,
                 FindingContext(name: name, page: UInt32(job.page), subpage: UInt32(job.subpage), offset: UInt64(job.page) << 16,
                                expected: Hex.format(job.recorded, width: 8), actual: Hex.format(computed[index], width: 8),
                                detail: String(job.ordinal)))
        }
    }

    static let processorCount: Int = {
        #if canImport(Glibc)
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return 1
        #endif
    }()
}
