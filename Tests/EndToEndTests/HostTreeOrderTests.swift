import ArdakuCLI
import Foundation
import Glibc
import Testing
import ArdakuIO

/// The tree imports keep the order they met host entries in before `HostTreeWalker`
/// (directory by directory, a directory's own entries before its subdirectories'), which
/// decides where each file lands in an image.
@Suite struct HostTreeOrderTests {
    @Test func filesOfADirectoryComeBeforeItsSubdirectories() throws {
        try Tools.withTemporaryDirectory { dir in
            let source = "\(dir)/src"
            try Tools.write("\(source)/a", "a")
            try Tools.write("\(source)/b/x", "x")
            try Tools.write("\(source)/b/y/z", "z")
            try Tools.write("\(source)/b/zz", "zz")
            try Tools.write("\(source)/c", "c")
            #expect(mkdir("\(source)/d", 0o755) == 0)
            #expect(mkfifo("\(source)/b/fifo", 0o644) == 0)
            try Tools.write("\(source)/e/f", "f")
            let order = HostTree.walk(source, prefix: Array("/p".utf8)).map { entry -> String in
                switch entry {
                case let .file(_, name, _, _): name.string
                case let .skipped(path, reason): "skipped \(path.dropFirst(source.count)): \(reason)"
                case let .warning(path, message): "warning \(path.dropFirst(source.count)): \(message)"
                case let .node(_, name, attributes): "\(attributes.kind) \(name.string)"
                case let .hardLink(_, name, target): "link \(name.string) -> \(target.string)"
                }
            }
            #expect(order == ["/p/a", "/p/c",
                              "skipped /b/fifo: FIFO (not supported)", "/p/b/x", "/p/b/zz",
                              "/p/b/y/z",
                              "skipped /d: empty directory (Ardaku directories exist only through the files in them)",
                              "/p/e/f"])
            // Keeping every kind (an Ardaku import): the root as /p, each directory before what
            // is below it, the FIFO and the empty directory as entries of their own.
            let kept = HostTree.walk(source, prefix: Array("/p".utf8), options: HostTreeWalker.Options()).map { entry -> String in
                switch entry {
                case let .file(_, name, _, _): name.string
                case let .node(_, name, attributes): "\(attributes.kind) \(name.string)"
                case let .hardLink(_, name, target): "link \(name.string) -> \(target.string)"
                case let .skipped(path, reason): "skipped \(path.dropFirst(source.count)): \(reason)"
                case let .warning(path, message): "warning \(path.dropFirst(source.count)): \(message)"
                }
            }
            #expect(kept == ["directory /p", "/p/a", "/p/c",
                             "directory /p/b", "FIFO /p/b/fifo", "/p/b/x", "/p/b/zz",
                             "directory /p/b/y", "/p/b/y/z",
                             "directory /p/d",
                             "directory /p/e", "/p/e/f"], "\(kept)")
        }
    }
}
