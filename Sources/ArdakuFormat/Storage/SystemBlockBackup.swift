extension SystemInformationBlock {
    /// The backup copy, for when page 0 is unusable (docs/FORMAT.md §13): the last page of
    /// the store, and with `scanning` then a scan down from the end for the last page
    /// holding a block that decodes and names itself as its volume's last page (a volume
    /// that does not fill its device). The scan reads four bytes per page until a magic
    /// matches: fsck's search. A reader looks at the last page only, so that opening a large
    /// device that holds something else never reads every page of it.
    public static func locateBackup(in store: PageStore, scanning: Bool) -> (page: UInt32, block: SystemInformationBlock)? {
        var page = store.pageCount
        // Page 0 is the primary, never its own backup; an empty store has no pages to look at.
        let lowest: UInt32 = scanning || page < 2 ? 1 : page - 1
        while page > lowest {
            page -= 1
            guard let bytes = try? store.read(PageIndex(page)),
                  ByteReader.uint32(in: bytes, at: Offset.magic) == magic,
                  let block = try? decode(bytes, page: PageIndex(page)),
                  block.totalPageCount - 1 == page else { continue }
            return (page, block)
        }
        return nil
    }
}
