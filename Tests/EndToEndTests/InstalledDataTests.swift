import Foundation
import Testing

/// What tools/install-data.sh installs beside the tools: the file(1) magic fragment, the
/// shell completions the tools generate, and the installed tree as man(1) finds it.
@Suite struct InstalledDataTests {
    static let repository = ManualPageTests.repository
    static let magic = repository + "/misc/magic/ardaku"
    static let file = "/usr/bin/file"
    static let uuid = "1b4e28ba-2fa1-41d2-883f-0016d3cca427"

    /// An Ardaku image (labelled), a standalone ZEST volume and a standalone CAS volume.
    static func makeVolumes(in dir: String) throws -> (image: String, zest: String, cas: String) {
        let image = dir + "/disk.img", zest = dir + "/small.zest", cas = dir + "/backup.cas"
        for (tool, arguments) in [("mkfs.ardaku", ["-q", "-L", "photos 2026", "-U", uuid, image, "1M"]),
                                  ("ardaku", ["zest", "create", zest]), ("ardaku", ["cas", "create", cas])] {
            let made = try Tools.run(tool, arguments)
            #expect(made.status == 0, "\(tool) \(arguments): \(made.stderr)")
        }
        return (image, zest, cas)
    }

    static func describe(_ path: String, magic: String) throws -> String {
        let result = try Tools.run(file, ["-b", "-m", magic, path])
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout.trimmingCharacters(in: .newlines)
    }

    @Test func fileNamesEveryKindOfVolume() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.file), "file is missing (tools/setup.sh installs it)")
        try Tools.withTemporaryDirectory { dir in
            let (image, zest, cas) = try Self.makeVolumes(in: dir)
            let expected = [
                (image, "Ardaku volume, version 1, 16 pages of 64 KiB, label \"photos 2026\", UUID=\(Self.uuid)"),
                (zest, "Ardaku ZEST volume, version 1, segment size 32"),
                (cas, "Ardaku CAS volume, version 1"),
            ]
            // The fragment alone, before the system's magic (as /etc/magic is read), and compiled.
            let compiled = dir + "/ardaku"
            try FileManager.default.copyItem(atPath: Self.magic, toPath: compiled)
            let compile = try Tools.run("/bin/sh", ["-c", "cd \"$1\" && \(Self.file) -C -m ardaku", "sh", dir])
            #expect(compile.status == 0, "file -C: \(compile.stderr)")
            for magic in [Self.magic, Self.magic + ":/usr/share/misc/magic", compiled + ".mgc"] {
                for (path, description) in expected {
                    #expect(try Self.describe(path, magic: magic) == description, "file -m \(magic) \(path)")
                }
            }
            // A ZEST volume whose first header is damaged is still named, by its backup.
            let handle = try #require(FileHandle(forWritingAtPath: zest))
            try handle.write(contentsOf: Data("XXXX".utf8))
            try handle.close()
            #expect(try Self.describe(zest, magic: Self.magic).hasPrefix("Ardaku ZEST volume, version 1 (primary header damaged)"))
            // Nothing else is taken for a volume.
            #expect(try Self.describe(dir + "/ardaku", magic: Self.magic) != expected[0].1)
        }
    }

    /// The completion scripts the tools generate: every one of them can make
    /// its own, and ardaku's knows the zest and cas commands and their options.
    @Test func everyToolGeneratesItsCompletions() throws {
        for tool in ["mkfs.ardaku", "ardaku", "fsck.zest", "dumpfs"] {
            for shell in ["bash", "zsh", "fish"] {
                let script = try Tools.run(tool, ["--generate-completion-script", shell])
                #expect(script.status == 0 && script.stdout.count > 1000, "\(tool) \(shell): \(script.stderr)")
            }
        }
        let bash = try Tools.run("ardaku", ["--generate-completion-script", "bash"]).stdout
        for word in ["zest", "cas", "compact", "gc", "--segment-size", "--files-from", "--dictionary", "--tag",
                     "--object", "--salvage", "--json", "--wait"] {
            #expect(bash.contains(word), "the bash completion for ardaku does not name \(word)")
        }
        #expect(bash.contains("complete -o filenames -F _ardaku ardaku"))
        try Tools.withTemporaryDirectory { dir in
            try Tools.write(dir + "/ardaku", bash)
            let syntax = try Tools.run("/bin/bash", ["-n", dir + "/ardaku"])
            #expect(syntax.status == 0, "\(syntax.stderr)")
        }
    }

    /// tools/install-data.sh over a tree of the built tools: pages man(1) finds (fsck.ardaku
    /// too), completions under every name, the magic, and /etc/magic hooked once however
    /// often it runs (a stand-in file here; a prefix that is not a system one leaves the
    /// real /etc/magic alone).
    @Test func installDataInstallsPagesCompletionsAndMagic() throws {
        try Tools.withTemporaryDirectory { dir in
            let prefix = dir + "/prefix", bin = prefix + "/sbin"
            try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
            for tool in ["mkfs.ardaku", "ardaku", "fsck.zest", "dumpfs"] {
                try FileManager.default.createSymbolicLink(atPath: bin + "/" + tool,
                                                           withDestinationPath: Tools.productsDirectory.path + "/" + tool)
            }
            try FileManager.default.createSymbolicLink(atPath: bin + "/fsck.ardaku", withDestinationPath: "fsck.zest")
            let etcMagic = dir + "/etc-magic"
            try Tools.write(etcMagic, "# local magic\n")
            let systemMagic = try? Data(contentsOf: URL(fileURLWithPath: "/etc/magic"))
            for _ in 0..<2 {
                let run = try Tools.run(Self.repository + "/tools/install-data.sh", [prefix], environment: ["ARDAKU_ETC_MAGIC": etcMagic])
                #expect(run.status == 0, "\(run.stderr)")
            }
            let unhooked = try Tools.run(Self.repository + "/tools/install-data.sh", [dir + "/other"])
            #expect(unhooked.status == 0, "\(unhooked.stderr)")
            #expect((try? Data(contentsOf: URL(fileURLWithPath: "/etc/magic"))) == systemMagic, "/etc/magic changed")

            let hooked = try String(contentsOfFile: etcMagic, encoding: .utf8)
            #expect(hooked.hasPrefix("# local magic\n"))
            #expect(hooked.components(separatedBy: "0x400\tstring\tARDK").count == 2, "the magic is in /etc/magic once")
            #expect(FileManager.default.contentsEqual(atPath: prefix + "/share/misc/ardaku.magic", andPath: Self.magic))

            let fileManager = FileManager.default
            for name in ["mkfs.ardaku", "ardaku", "fsck.zest", "fsck.ardaku", "dumpfs"] {
                for path in ["/share/bash-completion/completions/\(name)", "/share/zsh/site-functions/_\(name)",
                             "/share/fish/vendor_completions.d/\(name).fish"] {
                    let script = try String(contentsOfFile: prefix + path, encoding: .utf8)
                    #expect(script.contains(name), "\(path) does not name \(name)")
                }
            }
            let fsckArdaku = try String(contentsOfFile: prefix + "/share/bash-completion/completions/fsck.ardaku", encoding: .utf8)
            #expect(fsckArdaku.contains("complete -o filenames -F _fsck.ardaku fsck.ardaku") && !fsckArdaku.contains("fsck.zest"))

            for (section, page) in [("1", "ardaku"), ("1", "ardaku-zest"), ("1", "ardaku-cas"), ("5", "ardaku"),
                                    ("8", "mkfs.ardaku"), ("8", "fsck.zest"), ("8", "fsck.ardaku"), ("8", "dumpfs")] {
                let base = "\(prefix)/share/man/man\(section)/\(page).\(section)"
                #expect(fileManager.fileExists(atPath: base + ".gz") || fileManager.fileExists(atPath: base), "\(base) is missing")
                if fileManager.isExecutableFile(atPath: "/usr/bin/man") {
                    let found = try Tools.run("/usr/bin/man", ["-w", section, page], environment: ["MANPATH": prefix + "/share/man"])
                    // man -w follows fsck.ardaku's link to fsck.zest.8 (and then prints the real path).
                    let path = (found.stdout.trimmingCharacters(in: .newlines) as NSString).standardizingPath
                    #expect(found.status == 0 && path.hasPrefix("\((prefix as NSString).standardizingPath)/share/man/man\(section)/"), "man -w \(section) \(page): \(found.stdout)\(found.stderr)")
                }
            }
            #expect(fileManager.fileExists(atPath: prefix + "/share/doc/ardaku/FORMAT.md"))
        }
    }
}
