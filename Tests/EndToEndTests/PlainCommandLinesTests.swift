@testable import ArdakuCLI
import ToolCommandLine
import Foundation
import PlainCommandLine
import Testing

/// Plain command lines run without the parser; the request they make must be
/// exactly the one the parser would have built, and anything else must go to the parser.
@Suite struct PlainCommandLinesTests {
    static let names = (0..<1_000).map { "/d\($0 % 7)/file-\($0).txt" }

    /// The request the parser builds from `arguments`.
    static func parsedRequest<Command: RunsPlainCommandLines>(_ arguments: [String], as _: Command.Type) throws -> Command.Request {
        try #require(try ArdakuCommand.parseAsRoot(arguments) as? Command).request
    }

    /// The request the plain reading makes from `arguments`.
    static func plainRequest<Command: RunsPlainCommandLines>(_ arguments: [String], as _: Command.Type) throws -> Command.Request {
        let (command, line) = try #require(ArdakuPlainCommands.read(arguments))
        #expect(ObjectIdentifier(command) == ObjectIdentifier(Command.self))
        return Command.Request(line)
    }

    @Test func aThousandNamesKeepTheirOrder() throws {
        let arguments = ["zest", "get", "vol.zest"] + Self.names
        let request = try Self.plainRequest(arguments, as: ZestCommand.Get.self)
        #expect(request.arguments == ["vol.zest"] + Self.names)
        #expect(request == (try Self.parsedRequest(arguments, as: ZestCommand.Get.self)))
    }

    @Test(arguments: [
        [],
        ["vol.zest", "/a"],
        ["-o", "out", "-r", "image.img", "/v.zest"],
        ["image.img", "-T", "list.txt", "/v.zest", "-f", "-o", "out"],
        ["--files-from", "-", "image.img", "/v.zest"],
        ["--files-from=names", "image.img", "--", "-dash-name", "-r"],
        ["-T", "list", "vol.zest"],
        ["-o", "-", "vol.zest", "/a"],
        ["vol.zest", "--", "--", "-r"],
    ])
    func zestGetMakesTheParsersRequest(line: [String]) throws {
        for arguments in [["zest", "get"] + line, ["zest", "get"] + line + Self.names] {
            #expect(try Self.plainRequest(arguments, as: ZestCommand.Get.self)
                == Self.parsedRequest(arguments, as: ZestCommand.Get.self), "\(arguments.prefix(12))")
        }
    }

    @Test(arguments: [["vol.zest", "/a"], ["-r", "vol.zest", "/d"], ["image.img", "/v.zest", "/a", "-r"], []])
    func zestRemoveMakesTheParsersRequest(line: [String]) throws {
        let arguments = ["zest", "rm"] + line
        #expect(try Self.plainRequest(arguments, as: ZestCommand.Remove.self)
            == Self.parsedRequest(arguments, as: ZestCommand.Remove.self))
    }

    @Test(arguments: [["image.img", "/a"], ["-r", "image.img", "/d", "/e"], ["image.img", "--", "-a"]])
    func removeKeepsTheImageApartFromTheNames(line: [String]) throws {
        let arguments = ["rm"] + line
        let request = try Self.plainRequest(arguments, as: ArdakuCommand.Remove.self)
        #expect(request == (try Self.parsedRequest(arguments, as: ArdakuCommand.Remove.self)))
        #expect(request.image == "image.img")
    }

    @Test(arguments: [
        ["-h"], ["--help"], ["-rf"], ["--unknown"], ["-"], ["-oout"], ["--files-from"], ["-r", "-r"],
        ["-o", "a", "-o", "b"], ["-T", "a", "--files-from=b"], ["--files-from="],
    ])
    func anyUnfamiliarFormLeavesTheWholeLineToTheParser(odd: [String]) throws {
        #expect(ArdakuPlainCommands.read(["zest", "get", "vol.zest"] + Self.names + odd) == nil)
        // Earlier in the line the form may be plain after all ("--files-from vol.zest"):
        // then the request must be the parser's.
        let early = ["zest", "get"] + odd + ["vol.zest", "/a"]
        if ArdakuPlainCommands.read(early) != nil {
            #expect(try Self.plainRequest(early, as: ZestCommand.Get.self) == Self.parsedRequest(early, as: ZestCommand.Get.self))
        }
    }

    @Test func anOptionValueThatLooksLikeAnOptionIsTheParsersError() {
        let arguments = ["zest", "get", "-o", "-looks-like-an-option", "vol.zest", "/a"]
        #expect(ArdakuPlainCommands.read(arguments) == nil)
        #expect(throws: (any Error).self) { try ArdakuCommand.parseAsRoot(arguments) }
    }

    @Test func otherCommandsAndIncompleteLinesGoToTheParser() {
        #expect(ArdakuPlainCommands.read(["zest", "put", "vol.zest"] + Self.names) == nil)
        #expect(ArdakuPlainCommands.read(["ls", "image.img"] + Self.names) == nil)
        #expect(ArdakuPlainCommands.read(["zest"]) == nil)
        // `rm` needs an image and a name; the parser reports a line without them.
        #expect(ArdakuPlainCommands.read(["rm"]) == nil)
        #expect(ArdakuPlainCommands.read(["rm", "image.img"]) == nil)
        #expect(throws: (any Error).self) { try ArdakuCommand.parseAsRoot(["rm", "image.img"]) }
    }

    /// The shapes must tell the truth: a listed flag takes no value, a listed option takes one,
    /// and the path names the command.
    @Test func shapesMatchTheCommandsDeclarations() throws {
        let operands = ["image.img", "/v.zest", "/a", "/b"]
        for (shape, command) in ArdakuPlainCommands.all {
            let bare = try ArdakuCommand.parseAsRoot(shape.path + operands)
            #expect(ObjectIdentifier(type(of: bare)) == ObjectIdentifier(command), "\(shape.path) names \(command)")
            for flag in shape.flags {
                let line = shape.path + [flag] + operands
                #expect(throws: Never.self, "\(shape.path) \(flag) is a flag") { try ArdakuCommand.parseAsRoot(line) }
                #expect(ArdakuPlainCommands.read(line)?.line.operands == operands, "\(shape.path) \(flag) must not take a value")
            }
            for option in shape.valueOptions.keys {
                let line = shape.path + [option, "VALUE"] + operands
                #expect(throws: Never.self, "\(shape.path) \(option) takes a value") { try ArdakuCommand.parseAsRoot(line) }
                #expect(ArdakuPlainCommands.read(line)?.line.operands == operands)
            }
        }
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
            #expect(try Tools.run("ardaku", ["zest", "get", volume, "/f7"]).stdout == "content of file 7\n")
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
