import Foundation
import Testing

/// '-' for standard input and output, and several names per get, in the three kinds of
/// volume (issue 16 item 7): round trips through the standard streams, a closed output
/// pipe, named sources that must stay refused, and input past a limit.
@Suite(.serialized) struct StreamToolTests {
    /// Bytes no compressor shrinks, the same for a given seed.
    static func noise(_ count: Int, seed: UInt64) -> Data {
        var state = seed
        var bytes = [UInt8](repeating: 0, count: count)
        for index in bytes.indices {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            bytes[index] = UInt8(truncatingIfNeeded: state >> 33)
        }
        return Data(bytes)
    }

    @discardableResult
    static func ok(_ arguments: [String], input: Tools.Input? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> Tools.Result {
        let result = try Tools.run("ardaku", arguments, standardInput: input)
        #expect(result.status == 0, "ardaku \(arguments.joined(separator: " ")): \(result.stderr)", sourceLocation: sourceLocation)
        return result
    }

    static func image(_ dir: String, size: String = "16M") throws -> String {
        let image = "\(dir)/v.img"
        #expect(try Tools.run("mkfs.ardaku", ["-q", image, size]).status == 0)
        return image
    }

    /// Runs `command` (words of ardaku's arguments) with its standard output into `head -c1`,
    /// which closes the pipe after one byte: the status of ardaku and its standard error.
    static func intoClosedPipe(_ arguments: [String], dir: String) throws -> (status: String, stderr: String) {
        let ardaku = Tools.productsDirectory.appendingPathComponent("ardaku").path
        let quoted = ([ardaku] + arguments).map { "'\($0)'" }.joined(separator: " ")
        let script = "\(quoted) 2>'\(dir)/err' | head -c1 >/dev/null; echo \"${PIPESTATUS[0]}\""
        let result = try Tools.run("/bin/bash", ["-c", script])
        let stderr = (try? String(contentsOfFile: "\(dir)/err", encoding: .utf8)) ?? ""
        return (result.stdout.trimmingCharacters(in: .whitespacesAndNewlines), stderr)
    }

    // MARK: ardaku

    @Test func ardakuPutAndGetThroughStandardStreams() throws {
        try Tools.withTemporaryDirectory { dir in
            let image = try Self.image(dir)
            try Self.ok(["put", image, "-", "/x"], input: .text("x\n"))
            #expect(try Self.ok(["get", image, "/x"]).stdout == "x\n")
            // Several pages, a partial last one, and a run of zeros (a hole) in the middle.
            var content = Self.noise(200_000, seed: 1)
            content.append(Data(count: 1 << 17))
            content.append(Self.noise(70_000, seed: 2))
            try Self.ok(["put", image, "-", "/big"], input: .bytes(content))
            #expect(try Self.ok(["get", image, "/big", "-"]).stdoutBytes == content)
            let stat = try Self.ok(["stat", "--json", image, "/big"]).stdout
            #expect((try JSONSerialization.jsonObject(with: Data(stat.utf8)) as? [String: Any])?["size"] as? Int == content.count)
            // Empty input is an empty file; an existing name needs -f.
            try Self.ok(["put", image, "-", "/empty"], input: .text(""))
            #expect(try Self.ok(["get", image, "/empty"]).stdoutBytes.isEmpty)
            let exists = try Tools.run("ardaku", ["put", image, "-", "/x"], standardInput: .text("y\n"))
            #expect(exists.status == 1 && exists.stderr.contains("exists"))
            try Self.ok(["put", "-f", image, "-", "/x"], input: .text("y\n"))
            #expect(try Self.ok(["get", image, "/x"]).stdout == "y\n")
            let recursive = try Tools.run("ardaku", ["put", "-r", image, "-", "/d"], standardInput: .text("z"))
            #expect(recursive.status == 1 && recursive.stderr.contains("not standard input"))
            #expect(try Tools.run("fsck.zest", ["-fn", image]).status == 0)
        }
    }

    @Test func ardakuPutOfEndlessInputStopsAtTheFreeSpace() throws {
        try Tools.withTemporaryDirectory { dir in
            let image = try Self.image(dir)
            let before = try Tools.sha(image)
            // Zeros would all be holes: only the free-space bound stops them.
            let zeros = try Tools.run("ardaku", ["put", image, "-", "/zeros"], standardInput: .file("/dev/zero"))
            #expect(zeros.status == 1 && zeros.stderr.contains("free space"), "\(zeros.stderr)")
            #expect(try Tools.sha(image) == before, "zeros are holes: a refused put of them writes nothing")
            // Data is written to free pages as it arrives; refused, none of it is committed.
            let usage = try Self.ok(["df", "--json", image]).stdout
            let noise = try Tools.run("ardaku", ["put", image, "-", "/noise"], standardInput: .bytes(Self.noise(20 << 20, seed: 3)))
            #expect(noise.status == 1 && noise.stderr.contains("space"), "\(noise.stderr)")
            #expect(try Self.ok(["df", "--json", image]).stdout == usage)
            #expect(try Self.ok(["ls", "-R", image]).stdout == "")
            #expect(try Tools.run("fsck.zest", ["-fn", image]).status == 0)
        }
    }

    @Test func ardakuGetOfSeveralNames() throws {
        try Tools.withTemporaryDirectory { dir in
            let image = try Self.image(dir)
            for (name, text) in [("/a", "A\n"), ("/sub/b", "B\n"), ("/sub/deeper/c", "C\n")] {
                try Self.ok(["put", image, "-", name], input: .text(text))
            }
            // Standard output, in the order given (a name twice is written twice, as cat does).
            #expect(try Self.ok(["get", image, "/sub/deeper/c", "/a", "/sub/b", "/a", "-"]).stdout == "C\nA\nB\nA\n")
            // A directory (created), each file under its last component.
            try Self.ok(["get", image, "/a", "/sub/b", "/sub/deeper/c", "\(dir)/out/"])
            for (file, text) in [("a", "A\n"), ("b", "B\n"), ("c", "C\n")] {
                #expect((try? String(contentsOfFile: "\(dir)/out/\(file)", encoding: .utf8)) == text)
            }
            // Without -f nothing is replaced; each refusal is named, the status says so.
            let again = try Tools.run("ardaku", ["get", image, "/a", "/sub/b", "\(dir)/out"])
            #expect(again.status == 1 && again.stderr.contains("exists") && again.stderr.contains("2 of 2 files not copied"))
            try Self.ok(["get", "-f", image, "/a", "/sub/b", "\(dir)/out"])
            // A missing name or a directory among several: named, the others still written.
            let missing = try Tools.run("ardaku", ["get", image, "/a", "/nope", "/sub", "/sub/b", "-"])
            #expect(missing.status == 1 && missing.stdout == "A\nB\n")
            #expect(missing.stderr.contains("/nope: no such file") && missing.stderr.contains("/sub: is a directory"))
            #expect(missing.stderr.contains("2 of 4 files not copied"))
            // -r: several directories into one destination, or to standard output in name order.
            try Self.ok(["put", image, "-", "/other/d"], input: .text("D\n"))
            try Self.ok(["get", "-r", image, "/sub", "/other", "\(dir)/tree"])
            #expect((try? String(contentsOfFile: "\(dir)/tree/deeper/c", encoding: .utf8)) == "C\n")
            #expect((try? String(contentsOfFile: "\(dir)/tree/d", encoding: .utf8)) == "D\n")
            #expect(try Self.ok(["get", "-r", image, "/sub", "/other", "-"]).stdout == "B\nC\nD\n")
            // One name keeps its old shapes: DEST a file, DEST a directory, nothing for stdout.
            try Self.ok(["get", image, "/a", "\(dir)/single"])
            #expect((try? String(contentsOfFile: "\(dir)/single", encoding: .utf8)) == "A\n")
            let lone = try Tools.run("ardaku", ["get", image, "/nope"])
            #expect(lone.status == 1 && lone.stderr == "ardaku: /nope: no such file\n")
            // The help says how several names go.
            #expect(try Self.ok(["get", "--help"]).stdout.contains("NAME... DEST"))
        }
    }

    @Test func aClosedOutputPipeIsAnErrorNotADeath() throws {
        try Tools.withTemporaryDirectory { dir in
            let image = try Self.image(dir)
            let content = Self.noise(3 << 20, seed: 4)
            try Self.ok(["put", image, "-", "/big"], input: .bytes(content))
            let get = try Self.intoClosedPipe(["get", image, "/big", "-"], dir: dir)
            #expect(get.status == "1" && get.stderr.contains("standard output") && get.stderr.contains("Broken pipe"), "\(get)")
            let several = try Self.intoClosedPipe(["get", image, "/big", "/big", "-"], dir: dir)
            #expect(several.status == "1" && several.stderr.contains("Broken pipe"), "\(several)")
            #expect(!several.stderr.contains("not copied"), "a closed pipe stops the command at once")

            try Self.ok(["zest", "create", "\(dir)/v.zest"])
            try Self.ok(["zest", "put", "\(dir)/v.zest", "-", "/big"], input: .bytes(content))
            let zest = try Self.intoClosedPipe(["zest", "get", "\(dir)/v.zest", "/big", "/big"], dir: dir)
            #expect(zest.status == "1" && zest.stderr.contains("Broken pipe"), "\(zest)")

            try Self.ok(["cas", "put", "-q", "\(dir)/v.cas", "-", "--tag", "big"], input: .bytes(content))
            let cas = try Self.intoClosedPipe(["cas", "get", "\(dir)/v.cas", "big", "-"], dir: dir)
            #expect(cas.status == "1" && cas.stderr.contains("Broken pipe"), "\(cas)")
            let casSeveral = try Self.intoClosedPipe(["cas", "get", "\(dir)/v.cas", "big", "big", "-"], dir: dir)
            #expect(casSeveral.status == "1" && casSeveral.stderr.contains("Broken pipe"), "\(casSeveral)")
        }
    }

    /// Only '-' means standard input: a FIFO or a character device named as SOURCE is still
    /// refused at once, without a read (no hang, no endless input).
    @Test func namedSourcesThatAreNotFilesStayRefused() throws {
        try Tools.withTemporaryDirectory { dir in
            let image = try Self.image(dir)
            let fifo = "\(dir)/fifo"
            #expect(mkfifo(fifo, 0o644) == 0)
            try Self.ok(["zest", "create", "\(dir)/v.zest"])
            for source in [fifo, "/dev/zero"] {
                for arguments in [["put", image, source, "/f"], ["zest", "put", "\(dir)/v.zest", source, "/f"],
                                  ["zest", "put", "\(dir)/new.zest", source, "/f"], ["cas", "put", "\(dir)/v.cas", source]] {
                    let refused = try Tools.run("ardaku", arguments)
                    #expect(refused.status == 1 && refused.stderr.contains("not a regular file"), "\(arguments): \(refused.stderr)")
                }
            }
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/new.zest"), "a refused source creates no volume")
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/v.cas"))
            #expect(try Self.ok(["ls", "-R", image]).stdout == "")
        }
    }

    // MARK: zest

    @Test func zestPutFromStandardInputAndGetToStandardOutput() throws {
        try Tools.withTemporaryDirectory { dir in
            let volume = "\(dir)/new.zest"
            // put creates the missing volume, from standard input.
            try Self.ok(["zest", "put", volume, "-", "/x"], input: .text("x\n"))
            let content = Self.noise(300_000, seed: 5)
            try Self.ok(["zest", "put", volume, "-", "/big"], input: .bytes(content))
            #expect(try Self.ok(["zest", "get", volume, "/big"]).stdoutBytes == content)
            #expect(try Self.ok(["zest", "get", "-o", "-", volume, "/x", "/x"]).stdout == "x\nx\n")
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/-"), "-o - is standard output, not a file named '-'")
            let recursive = try Tools.run("ardaku", ["zest", "put", "-r", volume, "-", "/d"], standardInput: .text("z"))
            #expect(recursive.status == 1 && recursive.stderr.contains("not standard input"))
            #expect(try Tools.run("fsck.zest", ["-fn", volume]).status == 0)
        }
    }

    /// A ZEST file holds at most ZestLimits.maxFileBytes (1 GiB): endless input is refused
    /// after one byte more, and the volume is left as it was.
    @Test func zestPutOfStandardInputPastTheFileLimitIsRefused() throws {
        try Tools.withTemporaryDirectory { dir in
            let image = try Self.image(dir)
            try Self.ok(["zest", "create", image, "/v.zest"])
            try Self.ok(["zest", "put", image, "/v.zest", "-", "/x"], input: .text("x\n"))
            let before = try Tools.sha(image)
            let refused = try Tools.run("ardaku", ["zest", "put", image, "/v.zest", "-", "/zeros"], standardInput: .file("/dev/zero"))
            #expect(refused.status == 1 && refused.stderr.contains("more than the 1073741824 bytes"), "\(refused.stderr)")
            #expect(try Tools.sha(image) == before)
            let standalone = try Tools.run("ardaku", ["zest", "put", "\(dir)/new.zest", "-", "/zeros"], standardInput: .file("/dev/zero"))
            #expect(standalone.status == 1 && !FileManager.default.fileExists(atPath: "\(dir)/new.zest"))
        }
    }

    /// `zest put` makes a missing volume as `cas put` does, with `zest create`'s defaults.
    @Test func zestPutCreatesAMissingVolume() throws {
        try Tools.withTemporaryDirectory { dir in
            try Tools.write("\(dir)/tree/a.txt", "a\n")
            try Tools.write("\(dir)/tree/sub/b.txt", "b\n")
            let volume = "\(dir)/new.zest"
            try Self.ok(["zest", "put", "-r", volume, "\(dir)/tree", "/"])
            #expect(try Self.ok(["zest", "ls", "-R", volume]).stdout == "/a.txt\n/sub/b.txt\n")
            let json = try Self.ok(["zest", "ls", "--json", volume]).stdout
            try Self.ok(["zest", "create", "\(dir)/plain.zest"])
            let plain = try Self.ok(["zest", "ls", "--json", "\(dir)/plain.zest"]).stdout
            func segmentSize(_ text: String) -> Int? {
                (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])?["segment_size"] as? Int
            }
            #expect(segmentSize(json) != nil && segmentSize(json) == segmentSize(plain), "zest create's defaults")
            // In an image: the volume is made in the same transaction as the files.
            let image = try Self.image(dir)
            try Self.ok(["zest", "put", "-r", image, "/packs/p.zest", "\(dir)/tree", "/t"])
            #expect(try Self.ok(["zest", "get", image, "/packs/p.zest", "/t/sub/b.txt"]).stdout == "b\n")
            #expect(try Self.ok(["ls", "-l", image, "/packs"]).stdout.contains("p.zest"))
            // A source that cannot be stored creates nothing.
            let bad = try Tools.run("ardaku", ["zest", "put", "-r", "\(dir)/none.zest", "\(dir)/missing", "/"])
            #expect(bad.status == 1 && !FileManager.default.fileExists(atPath: "\(dir)/none.zest"))
            let badNested = try Tools.run("ardaku", ["zest", "put", image, "/packs/q.zest", "\(dir)/missing", "/m"])
            #expect(badNested.status == 1)
            #expect(try !Self.ok(["ls", image, "/packs"]).stdout.contains("q.zest"))
            // Extra arguments are not a volume to create.
            let extra = try Tools.run("ardaku", ["zest", "put", "\(dir)/x.zest", "extra", "\(dir)/tree/a.txt", "/a"])
            #expect(extra.status == 1 && !FileManager.default.fileExists(atPath: "\(dir)/x.zest"))
            #expect(try Tools.run("fsck.zest", ["-fn", image]).status == 0)
        }
    }

    // MARK: cas

    @Test func casGetOfSeveralIDs() throws {
        try Tools.withTemporaryDirectory { dir in
            let volume = "\(dir)/v.cas"
            try Self.ok(["cas", "put", "-q", volume, "-", "--tag", "one"], input: .text("one\n"))
            let two = try Self.ok(["cas", "put", "-q", volume, "-", "--tag", "two"], input: .text("two\n"))
                .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(try Self.ok(["cas", "get", volume, "two", "one", "-"]).stdout == "two\none\n")
            #expect(try Self.ok(["cas", "get", volume, two, "one", two, "-"]).stdout == "two\none\ntwo\n")
            try Self.ok(["cas", "get", volume, "one", two, "\(dir)/out"])
            #expect((try? String(contentsOfFile: "\(dir)/out/one", encoding: .utf8)) == "one\n")
            #expect((try? String(contentsOfFile: "\(dir)/out/\(two)", encoding: .utf8)) == "two\n")
            let missing = try Tools.run("ardaku", ["cas", "get", volume, "one", "nope", "two", "-"])
            #expect(missing.status == 1 && missing.stdout == "one\ntwo\n" && missing.stderr.contains("nope"))
            // One ID keeps its old shapes.
            #expect(try Self.ok(["cas", "get", volume, "one"]).stdout == "one\n")
        }
    }
}
