extension SystemInformationBlock {
    /// The backup copy, for when page 0 is unusable (docs/FORMAT.md §13): the last page of
    /// the store first, then a scan down from the end for the last page holding a block
    /// that decodes and that names itself as its volume's last page. The scan reads four
    /// bytes per page until a magic matches, so it costs little even on a large device.
    public static func locateBackup(in store: PageStore) -> (page: UInt32, block: SystemInformationBlock)? {
        var page = store.pageCount
        while page > 1 {
            page -= 1
            guard let bytes = try? store.read(PageIndex(page)),
                  ByteReader.uint32(in: bytes, at: magicOffset) == magic,
                  let block = try? decode(bytes, page: PageIndex(page)),
                  block.totalPageCount - 1 == page else { continue }
            return (page, block)
        }
        return nil
    }
}
