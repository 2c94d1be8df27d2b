#ifndef ARDAKU_SYS_H
#define ARDAKU_SYS_H
#include <stdint.h>
#include <sys/types.h>

// System calls and constants that Swift's Glibc module hides (it is built without
// _GNU_SOURCE) or that are function-like macros Swift cannot import. Every function
// returns 0 (or a non-negative value) on success and -errno on failure, so the Swift
// side never reads the thread's errno after another call could have changed it.

/// Size in bytes of the block device open on `fd` (ioctl BLKGETSIZE64).
int ardaku_block_device_size(int fd, uint64_t *size);
/// Logical and physical sector sizes of a block device (ioctl BLKSSZGET, BLKPBSZGET).
int ardaku_block_device_sector_sizes(int fd, uint32_t *logical, uint32_t *physical);
/// Whether the block device open on `fd` is read-only (ioctl BLKROGET): 1, 0, or -errno.
int ardaku_block_device_read_only(int fd);
/// Discards [offset, offset+length) on a block device (ioctl BLKDISCARD).
int ardaku_block_device_discard(int fd, uint64_t offset, uint64_t length);
/// Punches a hole in a regular file, keeping its size (fallocate PUNCH_HOLE|KEEP_SIZE).
int ardaku_punch_hole(int fd, int64_t offset, int64_t length);
/// Next data at or after `offset` (lseek SEEK_DATA); -ENXIO when there is none.
int64_t ardaku_seek_data(int fd, int64_t offset);
/// Next hole at or after `offset` (lseek SEEK_HOLE).
int64_t ardaku_seek_hole(int fd, int64_t offset);
/// fdatasync, retried on EINTR.
int ardaku_fdatasync(int fd);
/// open(O_RDONLY|O_EXCL) on a block device: -EBUSY when the kernel holds it (mounted, in use).
int ardaku_open_exclusive_probe(const char *path);
/// O_NOATIME (a _GNU_SOURCE flag): reads through the descriptor leave the access time alone.
int ardaku_o_noatime(void);

// Locking a volume (VolumeLock): flock(2) on a descriptor, O_EXCL on block devices, and
// the device numbers /proc/locks names a locked file by.

/// flock(fd, LOCK_EX or LOCK_SH, plus LOCK_NB), retried on EINTR: 0, or -EWOULDBLOCK
/// when another open file description holds a conflicting lock.
int ardaku_flock_try(int fd, int exclusive);
/// open(path, O_RDONLY|O_EXCL|O_CLOEXEC) on a block device, kept open: the descriptor, or
/// -errno (-EBUSY when the device is mounted or another program holds it exclusively).
int ardaku_open_exclusive(const char *path);
/// major(3) and minor(3) of a device number (st_dev, st_rdev).
unsigned int ardaku_device_major(uint64_t device);
unsigned int ardaku_device_minor(uint64_t device);

// Reading through a memory mapping turns an I/O error (a failing device, a file that shrank
// under the mapping) into SIGBUS. These turn that signal, on a registered mapping, into one
// line on standard error, "TOOL: PATH: I/O error reading byte OFFSET (page N) ...", and an
// exit with the tool's status for operational errors, instead of a crash. A SIGBUS anywhere
// else keeps its default action.

/// Installs the SIGBUS handler; `tool` is kept (pass a string that lives for the process).
int ardaku_mapping_errors_install(const char *tool, int exit_status);
/// Registers [base, base+length) as a mapping of `path` from byte `offset` (path is copied).
/// Returns -ENOSPC when the table of mappings is full: that mapping's errors stay signals.
int ardaku_mapping_register(const void *base, size_t length, uint64_t offset, const char *path);
/// Forgets the mapping that starts at `base` (before it is unmapped).
void ardaku_mapping_unregister(const void *base);

// A warm check spends much of its time in the kernel, mapping the page-cache pages of the
// records it reads, one page fault at a time. A prefetcher takes those faults on another
// core: a thread touches the addresses it is given, last to first, while the caller reads
// them first to last, so each page is faulted once, by whichever gets there first.
// Touching only reads; it never changes what a read returns.

typedef struct ardaku_prefetcher ardaku_prefetcher;
/// A prefetcher; NULL when the process may run on one CPU only (a thread would compete
/// with its caller).
ardaku_prefetcher *ardaku_prefetcher_start(void);
/// Hands over `count` addresses (copied), to be touched last to first after the lists
/// handed over before, by a thread that ends when no list is left. Every address must stay
/// mapped until `ardaku_prefetcher_stop` returns.
void ardaku_prefetcher_touch(ardaku_prefetcher *prefetcher, const uintptr_t *addresses, size_t count);
/// Queues dropping the page table entries of [start, start+length) (MADV_DONTNEED; the
/// pages stay in the page cache, a later read faults them in again), so that the process's
/// exit does not pay for them on the thread that waits. `start` is page-aligned; the range
/// must stay mapped until `ardaku_prefetcher_stop` returns.
void ardaku_prefetcher_drop(ardaku_prefetcher *prefetcher, const void *start, size_t length);
/// Ends all touching (returns once no thread can touch any address again) and lets go of
/// the prefetcher.
void ardaku_prefetcher_stop(ardaku_prefetcher *prefetcher);

// Extracting a file (`get`): its content goes to an unnamed file (O_TMPFILE) that gets a
// name only once it is complete, so that a killed extraction, even by SIGKILL, leaves
// nothing behind. Where a file system has no O_TMPFILE, or while a finished file is linked
// under a short temporary name to be renamed over the one it replaces, that temporary name
// is registered and unlinked if SIGINT, SIGTERM or SIGHUP ends the process.

/// openat(dirfd, ".", O_TMPFILE|O_WRONLY|O_CLOEXEC, mode): the descriptor, or -errno
/// (-EOPNOTSUPP, -EISDIR or -EINVAL where the file system cannot).
int ardaku_open_unnamed(int dirfd, unsigned int mode);
/// Gives the unnamed file open on `fd` the name `name` in `dirfd` (linkat through
/// /proc/self/fd, which needs no privilege): 0, or -errno (-EEXIST when the name exists).
int ardaku_link_unnamed(int fd, int dirfd, const char *name);
/// Installs the SIGINT, SIGTERM and SIGHUP handlers that remove the registered temporary
/// name, then end the process as the signal would have.
int ardaku_temporary_cleanup_install(void);
/// Registers `name` in `dirfd` as the one temporary name to remove on those signals
/// (copied; at most 255 bytes).
void ardaku_temporary_register(int dirfd, const char *name);
/// Forgets the registered name (once it was renamed into place or removed).
void ardaku_temporary_clear(void);

// Host trees with what a file is (issue 17): the walker reads extended attributes without
// following a final symbolic link; the restorer makes links, nodes and attributes relative
// to a directory it opened without following links, and never follows a final link either.

/// llistxattr(path, list, size): the bytes of the list (NUL-separated names), or -errno.
int64_t ardaku_list_xattrs(const char *path, char *list, size_t size);
/// lgetxattr(path, name, value, size): the value's length, or -errno.
int64_t ardaku_get_xattr(const char *path, const char *name, void *value, size_t size);
/// lsetxattr on `name` in `dirfd` (through /proc/self/fd/DIRFD/NAME: the directory's own
/// link is the directory; `name`, a link or not, is never followed): 0, or -errno.
int ardaku_set_xattr_at(int dirfd, const char *name, const char *attribute, const void *value, size_t size);
/// fsetxattr(fd, attribute, value, size, 0): 0, or -errno.
int ardaku_set_xattr_fd(int fd, const char *attribute, const void *value, size_t size);
/// makedev(3).
uint64_t ardaku_device_make(unsigned int major, unsigned int minor);
/// mknodat(dirfd, name, mode, device): 0, or -errno.
int ardaku_make_node_at(int dirfd, const char *name, unsigned int mode, uint64_t device);
/// mkfifoat(dirfd, name, mode): 0, or -errno.
int ardaku_make_fifo_at(int dirfd, const char *name, unsigned int mode);
/// symlinkat(target, dirfd, name): 0, or -errno.
int ardaku_make_symlink_at(const char *target, int dirfd, const char *name);
/// linkat(olddirfd, oldname, newdirfd, newname, 0): a final link at `oldname` is linked
/// itself, never followed. 0, or -errno.
int ardaku_make_link_at(int olddirfd, const char *oldname, int newdirfd, const char *newname);
/// fchownat(dirfd, name, owner, group, AT_SYMLINK_NOFOLLOW): 0, or -errno.
int ardaku_chown_at(int dirfd, const char *name, uint32_t owner, uint32_t group);
/// fchmodat(dirfd, name, mode, AT_SYMLINK_NOFOLLOW): 0, or -errno (-EOPNOTSUPP on a
/// symbolic link: Linux keeps no mode for one).
int ardaku_chmod_at(int dirfd, const char *name, unsigned int mode);
/// utimensat(dirfd, name, {atime, mtime}, AT_SYMLINK_NOFOLLOW): 0, or -errno.
int ardaku_set_times_at(int dirfd, const char *name, int64_t access_seconds, uint32_t access_nanoseconds,
                        int64_t modification_seconds, uint32_t modification_nanoseconds);
/// futimens(fd, {atime, mtime}): 0, or -errno.
int ardaku_set_times_fd(int fd, int64_t access_seconds, uint32_t access_nanoseconds,
                        int64_t modification_seconds, uint32_t modification_nanoseconds);

#endif
