import Foundation
import Testing
import TestSupport

/// Every `--json` document the tools print names its schema, and conforms to the
/// machine-readable schema published in docs/json (described in docs/JSON.md).
@Suite struct JSONSchemaTests {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static func schema(_ name: String) throws -> JSONSchema {
        try JSONSchema(contentsOf: "\(root)/docs/json/\(name).schema.json")
    }

    /// `document` conforms to the schema its "schema" member names.
    static func expectConforms(_ document: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let object = try JSONSerialization.jsonObject(with: Data(document.utf8)) as? [String: Any]
        let id = try #require(object?["schema"] as? String, "\(what): no schema member", sourceLocation: sourceLocation)
        let name = String(id.prefix { $0 != "/" })
        let problems = try schema(name).problems(inDocument: document)
        #expect(problems.isEmpty, "\(what) (\(id)): \(problems.prefix(5))", sourceLocation: sourceLocation)
    }

    @Test func everyDocumentConformsToItsSchema() throws {
        try Tools.withTemporaryDirectory { dir in
            try FileManager.default.createDirectory(atPath: "\(dir)/src/sub", withIntermediateDirectories: true)
            try Tools.write("\(dir)/src/a.txt", "hello\n")
            try Tools.write("\(dir)/src/sub/b.txt", "bye\n")
            let image = "\(dir)/disk.img", zest = "\(dir)/files.zest", cas = "\(dir)/store.cas"
            func json(_ tool: String, _ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
                let result = try Tools.run(tool, arguments)
                #expect(result.status == 0, "\(arguments): \(result.stderr)", sourceLocation: sourceLocation)
                try Self.expectConforms(result.stdout, "\(tool) \(arguments.joined(separator: " "))", sourceLocation: sourceLocation)
            }
            #expect(try Tools.run("mkfs.ardaku", ["-q", "-L", "schemas", image, "16M"]).status == 0)
            #expect(try Tools.run("ardaku", ["put", "-r", image, "\(dir)/src", "/docs"]).status == 0)
            try json("ardaku", ["ls", "--json", image, "/"])
            try json("ardaku", ["ls", "--json", "-R", image, "/"])
            try json("ardaku", ["stat", "--json", image, "/docs/a.txt"])
            try json("ardaku", ["df", "--json", image])
            #expect(try Tools.run("ardaku", ["zest", "create", zest]).status == 0)
            #expect(try Tools.run("ardaku", ["zest", "put", "-r", zest, "\(dir)/src", "/"]).status == 0)
            try json("ardaku", ["zest", "ls", "--json", "-R", zest, "/"])
            try json("ardaku", ["cas", "put", "-r", "--json", cas, "\(dir)/src", "--tag", "v1"])
            try json("ardaku", ["cas", "put", "--json", cas, "\(dir)/src/a.txt", "--tag", "a"])
            try json("ardaku", ["cas", "info", "--json", cas])
            try json("ardaku", ["cas", "info", "--json", "-d", "2", cas, "v1"])
            try json("ardaku", ["cas", "tags", "--json", cas])
            try json("ardaku", ["cas", "get", "-r", "--json", cas, "v1", "\(dir)/restored"])
            try json("ardaku", ["cas", "gc", "--json", cas])
            try json("fsck.zest", ["-fn", "--json", image])
            for view in [[], ["--system"], ["--bitmap"], ["--trie"], ["--owners"], ["--file", "/docs/a.txt"], ["--record", "16"], ["--page", "0"]] {
                try json("dumpfs", ["-q", "--json", image] + view)
            }
        }
    }

    /// The validator is not a rubber stamp: a document with a key too many, a key missing or
    /// a value of the wrong type fails.
    @Test func theValidatorRejectsWhatTheSchemaDoesNot() throws {
        let schema = try Self.schema("ardaku-cas-gc")
        let good = #"{"schema": "ardaku-cas-gc/1", "removed_objects": 0, "freed_bytes": 0, "store_bytes_before": 1, "store_bytes_after": 1}"#
        #expect(schema.problems(inDocument: good).isEmpty)
        for bad in [#"{"schema": "ardaku-cas-gc/1", "removed_objects": 0, "freed_bytes": 0, "store_bytes_before": 1}"#,
                    #"{"schema": "ardaku-cas-gc/2", "removed_objects": 0, "freed_bytes": 0, "store_bytes_before": 1, "store_bytes_after": 1}"#,
                    #"{"schema": "ardaku-cas-gc/1", "removed_objects": "0", "freed_bytes": 0, "store_bytes_before": 1, "store_bytes_after": 1}"#,
                    #"{"schema": "ardaku-cas-gc/1", "removed_objects": true, "freed_bytes": 0, "store_bytes_before": 1, "store_bytes_after": 1}"#,
                    #"{"schema": "ardaku-cas-gc/1", "removed_objects": -1, "freed_bytes": 0, "store_bytes_before": 1, "store_bytes_after": 1}"#,
                    #"{"schema": "ardaku-cas-gc/1", "removed_objects": 0, "freed_bytes": 0, "store_bytes_before": 1, "store_bytes_after": 1, "extra": 1}"#] {
            #expect(!schema.problems(inDocument: bad).isEmpty, "\(bad)")
        }
    }

    /// Every schema id the sources print has its schema file and a section in docs/JSON.md,
    /// and every schema file is one the sources print.
    @Test func everySchemaIsPublishedAndDocumented() throws {
        let guide = try #require(TestFiles.read("\(Self.root)/docs/JSON.md").map { String(decoding: $0, as: UTF8.self) })
        var printed: Set<String> = []
        let sources = FileManager.default.enumerator(atPath: "\(Self.root)/Sources")!
        while let path = sources.nextObject() as? String {
            guard path.hasSuffix(".swift"), let bytes = TestFiles.read("\(Self.root)/Sources/\(path)") else { continue }
            let text = String(decoding: bytes, as: UTF8.self)
            var rest = Substring(text)
            while let range = rest.range(of: #""ardaku-[a-z-]+/[0-9]+""#, options: .regularExpression) {
                printed.insert(String(rest[range].dropFirst().dropLast()))
                rest = rest[range.upperBound...]
            }
        }
        #expect(printed.count >= 13, "\(printed.sorted())")
        let files = try FileManager.default.contentsOfDirectory(atPath: "\(Self.root)/docs/json").filter { $0.hasSuffix(".schema.json") }
        for id in printed {
            let name = String(id.prefix { $0 != "/" })
            #expect(files.contains("\(name).schema.json"), "\(id) has no docs/json/\(name).schema.json")
            #expect(guide.contains("`\(id)`"), "docs/JSON.md does not describe \(id)")
            let schema = try Self.schema(name)
            #expect((schema.root["properties"] as? [String: Any])?["schema"].flatMap { ($0 as? [String: Any])?["const"] as? String } == id,
                    "docs/json/\(name).schema.json is not the schema of \(id)")
        }
        for file in files {
            #expect(printed.contains { $0.hasPrefix(file.replacingOccurrences(of: ".schema.json", with: "/")) }, "\(file) is printed by nothing")
        }
    }
}
