import ArdakuCAS
import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import ToolCommandLine
import Glibc

extension CASCommand {
    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "info",
            abstract: "Describe an object and what it names, or without ID|TAG the volume.",
            usage: "ardaku cas info [-r] [-d <levels>] [--json] [--wait[=<seconds>]]\n  (FILE.cas | IMAGE VOLUME) [ID|TAG]",
            discussion: """
            One line per object: [tree] ID, [item] NAME ID, [chunks] COUNT BYTES ID, \
            [blob] utf8 ID followed by its text, or [blob] binary BYTES bytes ID; with -r \
            (or -d LEVELS, that many levels) what it names follows, one more space of \
            indent per level.
            """)
        @Argument(help: ArgumentHelp("The volume (FILE.cas, or IMAGE VOLUME), then ID|TAG.", valueName: "arguments"))
        var arguments: [String] = []
        @Flag(name: .customShort("r"), help: "Recurse into what the object names.") var recurse = false
        @Option(name: .customShort("d"), help: ArgumentHelp("Recurse this many levels (implies -r).", valueName: "levels")) var depth: Int?
        @Flag(name: .long, help: "JSON output.") var json = false
        @OptionGroup var waiting: WaitOption

        func run() {
            CASCommand.perform {
                var rest = arguments
                let usage = "ardaku cas info [-r] [-d N] FILE.cas|IMAGE VOLUME [ID|TAG]"
                let session = try CASSession.open(&rest, writable: false, usage: usage)
                guard rest.count <= 1 else { throw ToolError(usage) }
                guard let reference = rest.first else { return try summary(session) }
                let levels = depth ?? (recurse ? CASLimits.maxTreeDepth : 0)
                guard (0...CASLimits.maxTreeDepth).contains(levels) else { throw ToolError("-d \(levels): give 0 to \(CASLimits.maxTreeDepth)") }
                let id = try session.resolve(reference)
                do {
                    if json {
                        print(try JSONOutput.render(schema: "ardaku-cas-object/1", try describe(id, in: session.volume, levels: levels)))
                    } else {
                        let text = try session.volume.info(id, depth: levels)
                        try text.utf8.withContiguousStorageIfAvailable { try StandardOutput.write(UnsafeRawBufferPointer($0)) }
                    }
                } catch let error as CASError { throw ToolError("\(session.display): \(error)") }
            }
        }

        final class ObjectJSON: Encodable {
            var id: String
            var type: String
            var name: String?
            var bytes: UInt64?
            var children: [ObjectJSON]?
            init(id: String, type: String) {
                self.id = id
                self.type = type
            }
        }

        private func describe(_ id: ObjectID, in volume: CASVolume, levels: Int) throws -> ObjectJSON {
            let object = try volume.object(id)
            let node = ObjectJSON(id: id.hex, type: object.type.name)
            var children: [ObjectID] = []
            switch (object.type.kind, object.type.isCore) {
            case (.blob, _):
                node.bytes = UInt64(object.payload.count)
            case (.item, _):
                let (name, target) = try object.itemFields()
                node.name = name
                children = [target]
            case (.tree, true):
                let list = try object.chunkListEntries()
                node.bytes = list.totalLength
                children = list.chunks.map(\.id)
            case (.tree, false):
                children = try object.treeEntries()
            }
            if levels > 0 {
                node.children = try children.map { try describe($0, in: volume, levels: levels - 1) }
            }
            return node
        }

        private func summary(_ session: CASSession) throws {
            let volume = session.volume
            var counts: [String: Int] = ["blob": 0, "item": 0, "tree": 0, "chunks": 0]
            var packs = Set<UInt64>()
            for id in volume.objectIDs {
                counts[volume.type(of: id)?.name ?? "?", default: 0] += 1
                if volume.packMember(of: id) != nil, let location = volume.location(of: id) { packs.insert(location.offset) }
            }
            struct Summary: Encodable {
                struct ObjectCounts: Encodable { var blob: Int, item: Int, tree: Int, chunks: Int }
                var volume: String, generation: UInt64, objects: Int, objectsByType: ObjectCounts, packs: Int, tags: Int
                var storeBytes: UInt64, objectBytes: UInt64, freeBytes: UInt64
            }
            let header = volume.header
            let summary = Summary(volume: session.display, generation: header.generation, objects: volume.objectCount,
                                  objectsByType: .init(blob: counts["blob"]!, item: counts["item"]!, tree: counts["tree"]!, chunks: counts["chunks"]!),
                                  packs: packs.count, tags: volume.tags.count, storeBytes: volume.store.length,
                                  objectBytes: header.objectBytes, freeBytes: volume.freeBytes)
            if json { print(try JSONOutput.render(schema: "ardaku-cas-info/1", summary)); return }
            print("""
            CAS volume:  \(session.display)
            Generation:  \(header.generation)
            Objects:     \(summary.objects) (\(Plural.count(counts["blob"]!, "blob")), \(Plural.count(counts["item"]!, "item")), \(Plural.count(counts["tree"]!, "tree")), \(Plural.count(counts["chunks"]!, "chunk list")); \(Plural.count(packs.count, "pack record")))
            Tags:        \(summary.tags)
            Store:       \(summary.storeBytes) bytes (\(ByteSize.describe(summary.storeBytes))); objects \(summary.objectBytes) bytes, free \(summary.freeBytes) bytes
            """)
        }
    }
}
