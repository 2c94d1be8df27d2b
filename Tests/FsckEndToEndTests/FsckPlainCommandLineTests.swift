@testable import FsckCLI
import Testing

/// fsck.zest reads plain command lines without the parser; the request must be
/// exactly the parser's, and every other line must go to the parser.
@Suite struct FsckPlainCommandLineTests {
    static func parsed(_ arguments: [String]) throws -> FsckRequest {
        try FsckCommand.parse(FsckCommand.normalize(arguments)).request
    }

    @Test(arguments: [
        ["-fn", "img"], ["-n", "-f", "img"], ["-p", "img"], ["-a", "-C", "0", "img"], ["-C3", "-y", "img"],
        ["-fy", "--metadata-only", "img"], ["-n", "--json", "-b", "7", "img"], ["-V"], ["-V", "img"],
        ["-fnvt", "img"], ["img", "-n"], ["--verify-data", "-p", "img"], ["-n", "--", "-img"], ["img"],
        ["-nf", "--metadata-only", "/dev/loop0"], ["-b16", "-n", "img"],
    ])
    func plainLinesMakeTheParsersRequest(arguments: [String]) throws {
        let plain = try #require(FsckRequest.plain(FsckCommand.normalize(arguments)), "\(arguments) is plain")
        #expect(plain == (try Self.parsed(arguments)))
    }

    @Test(arguments: [
        ["-h"], ["--help"], ["-fx", "img"], ["-n", "-n", "img"], ["-ff", "img"], ["-fn", "a", "b"],
        ["-C", "x", "img"], ["-C", "-1", "img"], ["-n", "-y", "img"], ["-pn", "img"], [],
        ["--metadata-only", "--verify-data", "img"], ["-b", "99999999999", "img"], ["--", "a", "b"],
        ["-C"], ["-", "img"], ["--json=1", "img"],
    ])
    func everythingElseGoesToTheParser(arguments: [String]) {
        #expect(FsckRequest.plain(FsckCommand.normalize(arguments)) == nil)
    }

    /// The plain shape tells the truth about every flag and option of `FsckCommand`.
    @Test func shapeMatchesTheCommand() throws {
        let shape = FsckRequest.plainShape
        for flag in shape.flags {
            let arguments = flag == "-V" ? ["-V"] : [flag, "img"]
            // -n, -y, -p and -a alone are valid; the rest go with -n.
            let line = ["-n", "-y", "-p", "-a", "-V"].contains(flag) ? arguments : ["-n"] + arguments
            let plain = try #require(FsckRequest.plain(line), "\(line)")
            #expect(plain == (try Self.parsed(line)), "\(line)")
        }
        for option in shape.valueOptions.keys {
            let line = ["-n", option, "2", "img"]
            #expect(FsckRequest.plain(line) == (try Self.parsed(line)), "\(option) takes a value")
        }
    }
}
