@testable import ArdakuCLI
import ArgumentParser
import Foundation
import Testing

/// Long command lines hand their names to the command directly; the result must be exactly
/// what the argument parser alone would have produced.
@Suite struct BulkOperandsTests {
    static let names = (0..<1_000).map { "/d\($0 % 7)/file-\($0).txt" }

    /// The operands the parser would have seen, in order, for the `zest get` shape.
    static func operandsOfZestGet(_ arguments: [String]) throws -> [String] {
        let command = try ArdakuCommand.parseAsRoot(arguments)
        let get = try #require(command as? ZestCommand.Get)
        return get.arguments
    }

    /// Parses the way `ardaku` does: split, parse the short line, append the bulk.
    static func operandsThroughSplit(_ arguments: [String]) throws -> [String] {
        let (parsed, bulk) = BulkOperands.split(arguments)
        let command = try ArdakuCommand.parseAsRoot(parsed)
        var receiver = try #require(command as? any TakesBulkOperands)
        receiver.operands += bulk
        return receiver.operands
    }

    @Test func aThousandNamesBypassTheParserInOrder() throws {
        let arguments = ["zest", "get", "vol.zest"] + Self.names
        let (parsed, bulk) = BulkOperands.split(arguments)
        #expect(parsed == ["zest", "get", "vol.zest", Self.names[0], Self.names[1]])
        #expect(bulk == Array(Self.names.dropFirst(2)))
        #expect(try Self.operandsThroughSplit(arguments) == ["vol.zest"] + Self.names)
        #expect(try Self.operandsThroughSplit(arguments) == Self.operandsOfZestGet(arguments))
    }

    @Test(arguments: [
        ["-o", "out", "-r", "image.img", "/v.zest"],
        ["image.img", "-T", "list.txt", "/v.zest", "-f", "-o", "out"],
        ["--files-from", "-", "image.img", "/v.zest"],
        ["--files-from=names", "image.img", "--", "-dash-name", "-r"],
    ])
    func optionsAndTheirValuesStayWithTheParser(prefix: [String]) throws {
        let arguments = ["zest", "get"] + prefix + Self.names
        let (parsed, bulk) = BulkOperands.split(arguments)
        #expect(!bulk.isEmpty)
        #expect(parsed.count + bulk.count == arguments.count)
        #expect(try Self.operandsThroughSplit(arguments) == Self.operandsOfZestGet(arguments))
    }

    @Test(arguments: [
        ["-h"], ["--help"], ["-rf"], ["--unknown"], ["-"], ["-oout"], ["--files-from"],
    ])
    func anyUnfamiliarFormLeavesTheWholeLineToTheParser(odd: [String]) {
        let arguments = ["zest", "get", "vol.zest"] + Self.names + odd
        let (parsed, bulk) = BulkOperands.split(arguments)
        #expect(parsed == arguments && bulk.isEmpty)
    }

    @Test func shortLinesAndOtherCommandsAreUntouched() {
        let short = ["zest", "get", "vol.zest"] + Self.names.prefix(BulkOperands.threshold - 1)
        #expect(BulkOperands.split(short) == (short, []))
        let put = ["zest", "put", "vol.zest"] + Self.names
        #expect(BulkOperands.split(put) == (put, []))
        let listing = ["ls", "image.img"] + Self.names
        #expect(BulkOperands.split(listing) == (listing, []))
    }

    /// The shapes must tell the truth: a listed flag takes no value, a listed option takes one,
    /// and the command named by the path takes bulk operands.
    @Test func shapesMatchTheCommandsDeclarations() throws {
        let operands = ["image.img", "/v.zest", "/a", "/b"]
        for shape in BulkOperands.shapes {
            let bare = try ArdakuCommand.parseAsRoot(shape.path + operands)
            let receiver = try #require(bare as? any TakesBulkOperands, "\(shape.path) takes bulk operands")
            #expect(receiver.operands == operands)
            for flag in shape.flags {
                let parsed = try #require(try ArdakuCommand.parseAsRoot(shape.path + [flag] + operands) as? any TakesBulkOperands)
                #expect(parsed.operands == operands, "\(shape.path) \(flag) is a flag: it must not take a value")
            }
            for option in shape.valueOptions {
                let parsed = try #require(try ArdakuCommand.parseAsRoot(shape.path + [option, "VALUE"] + operands) as? any TakesBulkOperands)
                #expect(parsed.operands == operands, "\(shape.path) \(option) takes the next argument as its value")
            }
        }
    }

    @Test func removeCommandsKeepTheImageApartFromTheNames() throws {
        let arguments = ["rm", "-r", "image.img"] + Self.names
        #expect(try Self.operandsThroughSplit(arguments) == ["image.img"] + Self.names)
        let command = try ArdakuCommand.parseAsRoot(BulkOperands.split(arguments).parsed)
        var remove = try #require(command as? ArdakuCommand.Remove)
        remove.operands += Array(Self.names.dropFirst(2))
        #expect(remove.image == "image.img" && remove.names == Self.names && remove.recursive)
        let zest = ["zest", "rm", "vol.zest"] + Self.names
        #expect(try Self.operandsThroughSplit(zest) == ["vol.zest"] + Self.names)
    }

    /// The tool itself: 40 names read in the order given, the same bytes as one by one.
    @Test func getWithManyNamesWritesThemInOrder() throws {
        try Tools.withTemporaryDirectory { dir in
            let volume = "\(dir)/v.zest"
            #expect(try Tools.run("ardaku", ["zest", "create", volume]).status == 0)
            try FileManager.default.createDirectory(atPath: "\(dir)/src", withIntermediateDirectories: true)
            for index in 0..<40 {
                try Tools.write("\(dir)/src/f\(index)", "content of file \(index)\n")
            }
            let put = try Tools.run("ardaku", ["zest", "put", "-r", "-q", volume, "\(dir)/src", "/"])
            #expect(put.status == 0, "\(put.stderr)")
            let order = (0..<40).reversed().map { "/f\($0)" } + ["/f3", "/f3"]
            let result = try Tools.run("ardaku", ["zest", "get", volume] + order)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout == order.map { "content of file \($0.dropFirst(2))\n" }.joined())
            // A missing name among many is still reported by name, and the others are written.
            let missing = try Tools.run("ardaku", ["zest", "get", volume] + order + ["/nope"])
            #expect(missing.status == 1 && missing.stderr.contains("/nope"))
            #expect(missing.stdout == result.stdout)
            // rm with many names removes exactly those.
            let removing = (0..<30).map { "/f\($0)" }
            #expect(try Tools.run("ardaku", ["zest", "rm", volume] + removing).status == 0)
            let left = try Tools.run("ardaku", ["zest", "ls", volume]).stdout.split(separator: "\n").map(String.init)
            #expect(left.sorted() == (30..<40).map { "f\($0)" }.sorted())
        }
    }
}
