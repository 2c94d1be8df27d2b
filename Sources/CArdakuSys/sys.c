#define _GNU_SOURCE
#include "ardaku_sys.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

int ardaku_block_device_size(int fd, uint64_t *size) {
    return ioctl(fd, BLKGETSIZE64, size) == 0 ? 0 : -errno;
}

int ardaku_block_device_sector_sizes(int fd, uint32_t *logical, uint32_t *physical) {
    int logical_size = 0;
    unsigned int physical_size = 0;
    if (ioctl(fd, BLKSSZGET, &logical_size) != 0) return -errno;
    if (ioctl(fd, BLKPBSZGET, &physical_size) != 0) return -errno;
    *logical = (uint32_t)logical_size;
    *physical = (uint32_t)physical_size;
    return 0;
}

int ardaku_block_device_discard(int fd, uint64_t offset, uint64_t length) {
    uint64_t range[2] = { offset, length };
    return ioctl(fd, BLKDISCARD, range) == 0 ? 0 : -errno;
}

int ardaku_punch_hole(int fd, int64_t offset, int64_t length) {
    int rc;
    do {
        rc = fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length);
    } while (rc != 0 && errno == EINTR);
    return rc == 0 ? 0 : -errno;
}

int64_t ardaku_seek_data(int fd, int64_t offset) {
    off_t r = lseek(fd, offset, SEEK_DATA);
    return r < 0 ? -errno : (int64_t)r;
}

int64_t ardaku_seek_hole(int fd, int64_t offset) {
    off_t r = lseek(fd, offset, SEEK_HOLE);
    return r < 0 ? -errno : (int64_t)r;
}

int ardaku_fdatasync(int fd) {
    int rc;
    do {
        rc = fdatasync(fd);
    } while (rc != 0 && errno == EINTR);
    return rc == 0 ? 0 : -errno;
}

int ardaku_open_exclusive_probe(const char *path) {
    int fd = open(path, O_RDONLY | O_EXCL | O_CLOEXEC);
    if (fd < 0) return -errno;
    close(fd);
    return 0;
}
