@testable import ArdakuCLI
import Foundation
import Glibc
import Testing

/// `ardaku chmod`, `chown` and `touch` (issue 17): they change what `stat` shows and what
/// `get` restores, leave a volume fsck finds clean, and name each file they cannot change.
@Suite(.serialized) struct AttributeCommandTests {
    typealias HostStat = AttributeToolTests.HostStat

    /// src/a (0644), src/d/b and src/d/c (0600): the image, made with their attributes.
    static func makeImage(_ dir: String) throws -> String {
        try FileManager.default.createDirectory(atPath: "\(dir)/src/d", withIntermediateDirectories: true)
        for name in ["a", "d/b", "d/c"] { try Tools.write("\(dir)/src/\(name)", "\(name)\n") }
        #expect(chmod("\(dir)/src/a", 0o644) == 0)
        for name in ["d/b", "d/c"] { #expect(chmod("\(dir)/src/\(name)", 0o600) == 0) }
        let image = "\(dir)/v.img"
        let made = try Tools.run("mkfs.ardaku", ["-q", "-d", "\(dir)/src", image, "16M"])
        #expect(made.status == 0, "\(made.stderr)")
        return image
    }

    static func ardaku(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let run = try Tools.run("ardaku", arguments)
        #expect(run.status == 0, "ardaku \(arguments.joined(separator: " ")): \(run.stderr)", sourceLocation: sourceLocation)
    }

    @Test func changesReachStatAndGet() throws {
        try Tools.withTemporaryDirectory { dir in
            let image = try Self.makeImage(dir)
            try Self.ardaku(["chmod", "4755", image, "/a"])
            try Self.ardaku(["chmod", "go-x,u-s,+t", image, "/a"])
            try Self.ardaku(["chmod", "-R", "g=u,o+r", image, "/d"])
            try Self.ardaku(["chown", "1234:567", image, "/a"])
            try Self.ardaku(["chown", "-R", ":42", image, "/d"])
            try Self.ardaku(["touch", "-d", "@981173106.123456789", image, "/a"])
            try Self.ardaku(["touch", "-m", "-d", "2001-02-03T04:05:06", image, "/d/b"])
            #expect(try Tools.run("fsck.zest", ["-fn", image]).status == 0)

            let stat = try Tools.run("ardaku", ["stat", image, "/a"]).stdout
            #expect(stat.contains("Mode:              1744 (-rwxr--r-T)"), "\(stat)")
            #expect(stat.contains("Owner:             uid 1234, gid 567"))
            #expect(stat.contains("Modify:            2001-02-03 04:05:06.123456789 UTC"))
            #expect(stat.contains("Access:            2001-02-03 04:05:06.123456789 UTC"))
            let b = try Tools.run("ardaku", ["stat", image, "/d/b"]).stdout
            #expect(b.contains("Mode:              0664 (-rw-rw-r--)") && b.contains("gid 42"), "\(b)")
            #expect(b.contains("Modify:            2001-02-03 04:05:06.000000000 UTC"))
            #expect(!b.contains("Access:            2001-02-03"), "touch -m changed the access time:\n\(b)")
            #expect(try Tools.run("ardaku", ["get", image, "/d/b"]).stdout == "d/b\n")

            let get = try Tools.run("ardaku", ["get", "-r", image, "/", "\(dir)/out"])
            #expect(get.status == 0, "\(get.stderr)")
            #expect(AttributeToolTests.hostStat("\(dir)/out/a")
                    == HostStat(mode: 0o1744, uid: 1234, gid: 567, mtime: 981_173_106, mtimeNanoseconds: 123_456_789))
            #expect(AttributeToolTests.hostStat("\(dir)/out/d/c")?.mode == 0o664)
            #expect(AttributeToolTests.hostStat("\(dir)/out/d/c")?.gid == 42)
        }
    }

    /// A file stored without attributes (put of standard input) gets the defaults, changed.
    @Test func aFileWithoutAttributesGetsTheDefaults() throws {
        try Tools.withTemporaryDirectory { dir in
            let image = "\(dir)/v.img"
            #expect(try Tools.run("mkfs.ardaku", ["-q", image, "16M"]).status == 0)
            #expect(try Tools.run("ardaku", ["put", image, "-", "/plain"], standardInput: .text("plain\n")).status == 0)
            try Self.ardaku(["chmod", "u+x", image, "/plain"])
            let stat = try Tools.run("ardaku", ["stat", image, "/plain"]).stdout
            #expect(stat.contains("Mode:              0744 (-rwxr--r--)"), "\(stat)")
            #expect(try Tools.run("fsck.zest", ["-fn", image]).status == 0)
        }
    }

    /// Every name that cannot be changed is named; the others change; exit status 1. A
    /// directory changes as a file does (mkfs -d stored its record, FORMAT §9).
    @Test func refusedNamesAreNamed() throws {
        try Tools.withTemporaryDirectory { dir in
            let image = try Self.makeImage(dir)
            let run = try Tools.run("ardaku", ["chmod", "600", image, "/missing", "/a", "/d"])
            #expect(run.status == 1)
            #expect(run.stderr.contains("/missing: no such file") && !run.stderr.contains("/d"), "\(run.stderr)")
            #expect(try Tools.run("ardaku", ["stat", image, "/a"]).stdout.contains("Mode:              0600"))
            let directory = try Tools.run("ardaku", ["stat", image, "/d"]).stdout
            #expect(directory.contains("Mode:              0600 (drw-------)") && directory.contains("directory"), "\(directory)")
            for arguments in [["chmod", "u+q", image, "/a"], ["chmod", "8", image, "/a"], ["chown", "root", image, "/a"],
                              ["chown", "1:", image, "/a"], ["touch", "-d", "tomorrow", image, "/a"],
                              ["touch", "-d", "@1", "-t", "202401020304", image, "/a"], ["chmod", "644", image, "/new"]] {
                let refused = try Tools.run("ardaku", arguments)
                #expect(refused.status == 1, "\(arguments)")
                #expect(refused.stderr.split(separator: "\n").count == 1 || arguments.last == "/new", "\(arguments): \(refused.stderr)")
            }
            // touch makes a missing file, as touch(1) does; -c does not.
            #expect(try Tools.run("ardaku", ["touch", "-c", image, "/new"]).status == 0)
            #expect(try Tools.run("ardaku", ["stat", image, "/new"]).status == 1)
            #expect(try Tools.run("ardaku", ["touch", "-d", "@5", image, "/new"]).status == 0)
            let made = try Tools.run("ardaku", ["stat", image, "/new"]).stdout
            #expect(made.contains("Size:              0") && made.contains("1970-01-01 00:00:05"), "\(made)")
            #expect(try Tools.run("fsck.zest", ["-fn", image]).status == 0)
        }
    }

    @Test func symbolicModes() {
        let cases: [(String, UInt16, UInt16)] = [
            ("644", 0o777, 0o644), ("4755", 0, 0o4755), ("u+x", 0o644, 0o744), ("go-w", 0o666, 0o644),
            ("a=r", 0o4755, 0o444), ("u+s", 0o755, 0o4755), ("+t", 0o644, 0o1644), ("g+s,o-r", 0o644, 0o2640),
            ("u=rw", 0o4755, 0o655), ("g=u", 0o740, 0o770), ("o+X", 0o700, 0o701), ("o+X", 0o600, 0o600),
            ("u-x+w,go=", 0o555, 0o600), ("=", 0o7777, 0),
        ]
        for (text, before, after) in cases {
            #expect(ModeChange(text)?.applied(to: before) == after, "\(text) on \(String(before, radix: 8))")
        }
        for text in ["", "u", "9", "77777", "u+q", "x+r", ",", "u+x,"] { #expect(ModeChange(text) == nil, "\(text)") }
    }

    @Test func touchTimes() {
        typealias T = TouchTime.Timestamp
        #expect(TouchTime.date("@1700000000") == T(seconds: 1_700_000_000))
        #expect(TouchTime.date("@1.5") == T(seconds: 1, nanoseconds: 500_000_000))
        #expect(TouchTime.date("@-1.25") == T(seconds: -2, nanoseconds: 750_000_000))
        #expect(TouchTime.date("2001-02-03T04:05:06.123456789") == T(seconds: 981_173_106, nanoseconds: 123_456_789))
        #expect(TouchTime.date("1970-01-01") == T(seconds: 0))
        #expect(TouchTime.date("1969-12-31 23:59:59Z") == T(seconds: -1))
        #expect(TouchTime.stamp("200102030405.06", now: 0) == T(seconds: 981_173_106))
        #expect(TouchTime.stamp("0102030405.06", now: 0) == T(seconds: 981_173_106))
        #expect(TouchTime.stamp("02030405.06", now: 981_000_000) == T(seconds: 981_173_106))
        for bad in ["@", "@x", "@1.1234567890", "2001-02-30", "2001-13-01", "2001-02-03T25:00", "yesterday"] {
            #expect(TouchTime.date(bad) == nil, "\(bad)")
        }
        for bad in ["0230", "200102300405", "2001020304.5"] { #expect(TouchTime.stamp(bad, now: 0) == nil, "\(bad)") }
    }
}
