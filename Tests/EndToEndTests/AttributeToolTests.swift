import CArdakuSys
import Foundation
import Glibc
import Testing

/// What a file is besides its bytes survives a trip through an Ardaku volume (issue 17):
/// `mkfs.ardaku -d` and `ardaku put -r` record mode, owner, times to the nanosecond and
/// extended attributes; `ardaku get` restores them; `stat` and `ls -l` show them.
@Suite(.serialized) struct AttributeToolTests {
    struct HostStat: Equatable {
        var mode: UInt32, uid: UInt32, gid: UInt32, mtime: Int64, mtimeNanoseconds: Int
    }

    static func hostStat(_ path: String) -> HostStat? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return HostStat(mode: info.st_mode & 0o7777, uid: info.st_uid, gid: info.st_gid,
                        mtime: Int64(info.st_mtim.tv_sec), mtimeNanoseconds: info.st_mtim.tv_nsec)
    }

    static func setTime(_ path: String, seconds: Int, nanoseconds: Int) {
        var times = [timespec(tv_sec: seconds, tv_nsec: nanoseconds), timespec(tv_sec: seconds, tv_nsec: nanoseconds)]
        #expect(utimensat(AT_FDCWD, path, &times, AT_SYMLINK_NOFOLLOW) == 0)
    }

    /// Sets `user.NAME`; false when the file system takes no user xattrs.
    static func setXattr(_ path: String, _ name: String, _ value: String) -> Bool {
        let descriptor = open(path, O_RDONLY)
        defer { close(descriptor) }
        return Array(value.utf8).withUnsafeBytes { ardaku_set_xattr_fd(descriptor, name, $0.baseAddress, $0.count) } == 0
    }

    static func xattr(_ path: String, _ name: String) -> String? {
        var buffer = [UInt8](repeating: 0, count: 256)
        let length = buffer.withUnsafeMutableBytes { ardaku_get_xattr(path, name, $0.baseAddress, $0.count) }
        return length < 0 ? nil : String(decoding: buffer.prefix(Int(length)), as: UTF8.self)
    }

    /// src/tool (4755), src/sub/data (0640, 1234:567, a time with nanoseconds), src/note
    /// with user.color (where the file system takes it). Returns whether the xattr was set.
    static func makeTree(_ dir: String) throws -> Bool {
        try FileManager.default.createDirectory(atPath: "\(dir)/src/sub", withIntermediateDirectories: true)
        try Tools.write("\(dir)/src/tool", "#!/bin/sh\necho hi\n")
        try Tools.write("\(dir)/src/sub/data", "data\n")
        try Tools.write("\(dir)/src/note", "note\n")
        #expect(chmod("\(dir)/src/tool", 0o4755) == 0)
        #expect(chown("\(dir)/src/sub/data", 1234, 567) == 0 && chmod("\(dir)/src/sub/data", 0o640) == 0)
        setTime("\(dir)/src/sub/data", seconds: 981_173_106, nanoseconds: 123_456_789)
        return setXattr("\(dir)/src/note", "user.color", "blue")
    }

    @Test func mkfsRecordsAndGetRestores() throws {
        try Tools.withTemporaryDirectory { dir in
            let xattrs = try Self.makeTree(dir)
            let image = "\(dir)/v.img"
            let mkfs = try Tools.run("mkfs.ardaku", ["-q", "-d", "\(dir)/src", image, "32M"])
            #expect(mkfs.status == 0, "\(mkfs.stderr)")
            #expect(try Tools.run("fsck.zest", ["-fn", image]).status == 0)
            let get = try Tools.run("ardaku", ["get", "-r", image, "/", "\(dir)/out"])
            #expect(get.status == 0, "\(get.stderr)")
            for name in ["tool", "sub/data", "note"] {
                #expect(Self.hostStat("\(dir)/out/\(name)") == Self.hostStat("\(dir)/src/\(name)"), "\(name)")
            }
            #expect(Self.hostStat("\(dir)/out/sub/data") == HostStat(mode: 0o640, uid: 1234, gid: 567, mtime: 981_173_106, mtimeNanoseconds: 123_456_789))
            if xattrs { #expect(Self.xattr("\(dir)/out/note", "user.color") == "blue") }

            let stat = try Tools.run("ardaku", ["stat", image, "/sub/data"]).stdout
            #expect(stat.contains("Mode:              0640 (-rw-r-----)"), "\(stat)")
            #expect(stat.contains("Owner:             uid 1234, gid 567"))
            #expect(stat.contains("Modify:            2001-02-03 04:05:06.123456789 UTC"))
            if xattrs { #expect(try Tools.run("ardaku", ["stat", image, "/note"]).stdout.contains("user.color (4 bytes)")) }
            let listing = try Tools.run("ardaku", ["ls", "-l", image, "/"]).stdout
            #expect(listing.contains("-rwsr-xr-x  1     0     0"), "\(listing)")

            // The same file again, owned by the user running get and without its xattrs.
            let plain = try Tools.run("ardaku", ["get", "-r", "--no-same-owner", "--no-xattrs", image, "/", "\(dir)/plain"])
            #expect(plain.status == 0, "\(plain.stderr)")
            #expect(Self.hostStat("\(dir)/plain/sub/data")?.uid == geteuid())
            #expect(Self.hostStat("\(dir)/plain/sub/data")?.mode == 0o640)
            if xattrs { #expect(Self.xattr("\(dir)/plain/note", "user.color") == nil) }
            // A single file keeps them too.
            #expect(try Tools.run("ardaku", ["get", image, "/sub/data", "\(dir)/one"]).status == 0)
            #expect(Self.hostStat("\(dir)/one") == Self.hostStat("\(dir)/src/sub/data"))
        }
    }

    @Test func ownersForcedAndXattrsLeftOut() throws {
        try Tools.withTemporaryDirectory { dir in
            let xattrs = try Self.makeTree(dir)
            let image = "\(dir)/v.img"
            #expect(try Tools.run("mkfs.ardaku", ["-q", "--all-root", "--no-xattrs", "-d", "\(dir)/src", image, "32M"]).status == 0)
            let json = try Tools.run("ardaku", ["stat", "--json", image, "/sub/data"]).stdout
            let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
            #expect(object?["uid"] as? Int == 0 && object?["gid"] as? Int == 0 && object?["mode"] as? Int == 0o100640)
            #expect(object?["attributes_recorded"] as? Bool == true)
            if xattrs { #expect(try Tools.run("ardaku", ["stat", image, "/note"]).stdout.contains("Extended attrs:    <none>")) }

            let put = try Tools.run("ardaku", ["put", "-r", "--force-uid", "42", "--force-gid", "43", image, "\(dir)/src", "/again"])
            #expect(put.status == 0, "\(put.stderr)")
            #expect(try Tools.run("ardaku", ["stat", image, "/again/tool"]).stdout.contains("Owner:             uid 42, gid 43"))
            if xattrs { #expect(try Tools.run("ardaku", ["stat", image, "/again/note"]).stdout.contains("user.color")) }
            // One file, as put -r records each file of a tree; options apply alike.
            #expect(try Tools.run("ardaku", ["put", image, "\(dir)/src/sub/data", "/single"]).status == 0)
            let single = try Tools.run("ardaku", ["stat", image, "/single"]).stdout
            #expect(single.contains("Mode:              0640 (-rw-r-----)") && single.contains("Owner:             uid 1234, gid 567"), "\(single)")
            #expect(single.contains("Modify:            2001-02-03 04:05:06.123456789 UTC"))
            #expect(try Tools.run("ardaku", ["put", "--force-uid", "7", image, "\(dir)/src/tool", "/tool2"]).status == 0)
            #expect(try Tools.run("ardaku", ["stat", image, "/tool2"]).stdout.contains("Owner:             uid 7, gid 0"))
            #expect(try Tools.run("fsck.zest", ["-fn", image]).status == 0)
        }
    }

    /// SOURCE_DATE_EPOCH clamps every recorded time, so that reading the tree (which moves
    /// its access times) does not change the image.
    @Test func imagesStayReproducible() throws {
        try Tools.withTemporaryDirectory { dir in
            _ = try Self.makeTree(dir)
            var images: [Data] = []
            for index in 0..<2 {
                let image = "\(dir)/v\(index).img"
                let run = try Tools.run("mkfs.ardaku", ["-q", "-U", "clear", "-d", "\(dir)/src", image, "32M"],
                                        environment: ["SOURCE_DATE_EPOCH": "1000000000"])
                #expect(run.status == 0, "\(run.stderr)")
                images.append(try Data(contentsOf: URL(fileURLWithPath: image)))
                _ = try Tools.run("ardaku", ["get", "-r", image, "/", "\(dir)/read\(index)"])
            }
            #expect(images[0] == images[1])
        }
    }
}
