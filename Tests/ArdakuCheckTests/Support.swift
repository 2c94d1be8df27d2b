import ArdakuCheck
import ArdakuFormat
import CheckFixtures
import Glibc
import TestSupport

/// Where the package's files are, from this file's path.
enum PackagePaths {
    static let root: String = {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]) }
        return path
    }()
    static var images: String { root + "/images" }
}

/// Small file helpers for the tests (no Foundation).
enum Files {
    static func read(_ path: String) -> [UInt8]? { TestFiles.read(path) }

    static func text(_ path: String) -> String? { read(path).map { String(decoding: $0, as: UTF8.self) } }

    static func directories(in path: String) -> [String] {
        guard let directory = opendir(path) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." && entry.pointee.d_type == UInt8(DT_DIR) { names.append(name) }
        }
        return names.sorted()
    }

    static func files(in path: String) -> [String] {
        guard let directory = opendir(path) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if entry.pointee.d_type == UInt8(DT_REG) { names.append(name) }
        }
        return names.sorted()
    }
}

/// The three runs of an e2fsprogs-style test: -fn, -fy, -fy again.
struct RoundTrip {
    let readOnly: CheckReport
    let repair: CheckReport
    let second: CheckReport
    let store: MemoryPageStore

    init(_ store: MemoryPageStore, verifyData: Bool = true) {
        readOnly = Checker(store: store, options: CheckOptions(repair: .none, force: true, verifyData: verifyData)).run()
        repair = Checker(store: store, options: CheckOptions(repair: .all, force: true, verifyData: verifyData)).run()
        second = Checker(store: store, options: CheckOptions(repair: .none, force: true, verifyData: verifyData)).run()
        self.store = store
    }
}

func codes(_ report: CheckReport) -> [String] { report.findings.map(\.code.rawValue) }
