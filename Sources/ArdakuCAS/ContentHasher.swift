/// Cuts a content that arrives in pieces exactly as `Chunker.cutPoints` cuts it whole.
///
/// A cut depends only on the bytes since the previous cut, so every chunk that ends inside
/// the bytes seen so far is final, except the last one, which may continue in the next
/// piece: it is carried over (it is at most `maxChunkBytes` long).
struct ChunkStream {
    private var carry: [UInt8] = []

    /// Appends `piece`; returns the bytes held (the carry, then `piece`) and the ends of the
    /// chunks in them that are complete.
    mutating func append(_ piece: [UInt8]) -> (bytes: [UInt8], cuts: [Int]) {
        let bytes = carry.isEmpty ? piece : carry + piece
        var cuts = Chunker.cutPoints(bytes)
        if !cuts.isEmpty { cuts.removeLast() }
        carry = Array(bytes[(cuts.last ?? 0)...])
        return (bytes, cuts)
    }

    /// The end of the content: the carried bytes and their cuts.
    mutating func finish() -> (bytes: [UInt8], cuts: [Int]) {
        let bytes = carry
        carry = []
        return (bytes, Chunker.cutPoints(bytes))
    }
}

/// The id a content gets in a CAS volume (`CASVolume.putContent`): its blob's id when the
/// chunker finds one chunk (or none: empty content), else its chunk list's. The content is
/// given in pieces of any size, so a large file is never held whole.
public struct ContentHasher {
    private var stream = ChunkStream()
    private var chunks: [ChunkReference] = []

    public init() {}

    public mutating func update(_ piece: [UInt8]) {
        add(stream.append(piece))
    }

    /// The id; throws when the content has more chunks than a chunk list holds.
    public mutating func finalize() throws(CASError) -> ObjectID {
        add(stream.finish())
        switch chunks.count {
        case 0: return ObjectID.hashing(typeByte: ObjectType.blob.byte, payload: [])
        case 1: return chunks[0].id
        default: return try CASObject.chunkList(chunks).id
        }
    }

    private mutating func add(_ part: (bytes: [UInt8], cuts: [Int])) {
        var start = 0
        part.bytes.withUnsafeBytes { raw in
            for end in part.cuts {
                chunks.append(ChunkReference(id: ObjectID.hashing(typeByte: ObjectType.blob.byte, payload: UnsafeRawBufferPointer(rebasing: raw[start..<end])),
                                             length: end - start))
                start = end
            }
        }
    }
}
