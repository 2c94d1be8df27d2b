#define _GNU_SOURCE
#include "ardaku_sys.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

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

int ardaku_block_device_read_only(int fd) {
    int read_only = 0;
    return ioctl(fd, BLKROGET, &read_only) == 0 ? (read_only != 0) : -errno;
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

int ardaku_o_noatime(void) { return O_NOATIME; }

// MARK: - Volume locks

int ardaku_flock_try(int fd, int exclusive) {
    int rc;
    do { rc = flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB); } while (rc != 0 && errno == EINTR);
    return rc == 0 ? 0 : -errno;
}

int ardaku_open_exclusive(const char *path) {
    int fd = open(path, O_RDONLY | O_EXCL | O_CLOEXEC);
    return fd >= 0 ? fd : -errno;
}

unsigned int ardaku_device_major(uint64_t device) { return major((dev_t)device); }
unsigned int ardaku_device_minor(uint64_t device) { return minor((dev_t)device); }

// MARK: - SIGBUS on mapped reads

// At most 1,024 windows and a few extra mappings per image, a few images per process.
#define ARDAKU_MAX_MAPPINGS 4096

struct ardaku_mapping {
    _Atomic(uintptr_t) base;  // 0 when the slot is free; published last
    size_t length;
    uint64_t offset;
    char *path;
};

static struct ardaku_mapping mappings[ARDAKU_MAX_MAPPINGS];
static const char *mapping_tool = "ardaku";
static int mapping_exit_status = 1;

// Async-signal-safe output: no stdio, no allocation.
static size_t put_text(char *out, size_t at, size_t size, const char *text) {
    while (*text && at + 1 < size) out[at++] = *text++;
    return at;
}

static size_t put_decimal(char *out, size_t at, size_t size, uint64_t value) {
    char digits[24];
    int count = 0;
    do { digits[count++] = (char)('0' + value % 10); value /= 10; } while (value && count < 24);
    while (count > 0 && at + 1 < size) out[at++] = digits[--count];
    return at;
}

static void on_sigbus(int signal_number, siginfo_t *info, void *context) {
    (void)context;
    uintptr_t address = (uintptr_t)info->si_addr;
    for (int i = 0; i < ARDAKU_MAX_MAPPINGS; i++) {
        uintptr_t base = atomic_load_explicit(&mappings[i].base, memory_order_acquire);
        if (base == 0 || address < base || address - base >= mappings[i].length) continue;
        uint64_t offset = mappings[i].offset + (uint64_t)(address - base);
        char line[1024];
        size_t at = 0;
        at = put_text(line, at, sizeof line, mapping_tool);
        at = put_text(line, at, sizeof line, ": ");
        at = put_text(line, at, sizeof line, mappings[i].path ? mappings[i].path : "image");
        at = put_text(line, at, sizeof line, ": I/O error reading byte ");
        at = put_decimal(line, at, sizeof line, offset);
        at = put_text(line, at, sizeof line, " (page ");
        at = put_decimal(line, at, sizeof line, offset >> 16);
        at = put_text(line, at, sizeof line, "): the device failed or the file shrank while it was read\n");
        ssize_t ignored = write(2, line, at);
        (void)ignored;
        _exit(mapping_exit_status);
    }
    // Not a mapping of ours: the default action, when the faulting access is retried.
    signal(signal_number, SIG_DFL);
}

int ardaku_mapping_errors_install(const char *tool, int exit_status) {
    mapping_tool = tool;
    mapping_exit_status = exit_status;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_sigbus;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    return sigaction(SIGBUS, &action, NULL) == 0 ? 0 : -errno;
}

int ardaku_mapping_register(const void *base, size_t length, uint64_t offset, const char *path) {
    for (int i = 0; i < ARDAKU_MAX_MAPPINGS; i++) {
        uintptr_t expected = 0;
        // Claim the slot with a placeholder, fill it, then publish the real base.
        if (!atomic_compare_exchange_strong(&mappings[i].base, &expected, (uintptr_t)1)) continue;
        mappings[i].length = length;
        mappings[i].offset = offset;
        mappings[i].path = path ? strdup(path) : NULL;
        atomic_store_explicit(&mappings[i].base, (uintptr_t)base, memory_order_release);
        return 0;
    }
    return -ENOSPC;
}

void ardaku_mapping_unregister(const void *base) {
    for (int i = 0; i < ARDAKU_MAX_MAPPINGS; i++) {
        if (atomic_load_explicit(&mappings[i].base, memory_order_acquire) != (uintptr_t)base) continue;
        char *path = mappings[i].path;
        mappings[i].path = NULL;
        mappings[i].length = 0;
        atomic_store_explicit(&mappings[i].base, 0, memory_order_release);
        free(path);
        return;
    }
}

// MARK: - Prefetcher

// Lists are touched in the order they come, by one thread at a time, and that thread ends
// when there is no list left: a thread left waiting for work sleeps, and waking a sleeping
// CPU of a virtual machine (for the next list, or to end the thread at exit, which the
// parent's wait includes) took milliseconds here. The next list starts a new thread.
struct prefetch_list {
    struct prefetch_list *next;
    // A range to drop the page table entries of (length > 0), or addresses to touch.
    uintptr_t drop_start;
    size_t drop_length;
    size_t count;
    uintptr_t addresses[];
};

struct ardaku_prefetcher {
    pthread_mutex_t lock;
    struct prefetch_list *first, *last;  // lists not yet taken
    int running;                         // a thread is taking lists
    // Set by stop: no address is touched once a thread has seen it.
    _Atomic(int) stopping;
    // Threads inside their touching loop; stop waits for none to be left.
    _Atomic(int) touching;
    // The owner's reference plus one per thread; the last to let go frees the prefetcher.
    _Atomic(int) references;
};

static void prefetcher_release(struct ardaku_prefetcher *prefetcher) {
    if (atomic_fetch_sub(&prefetcher->references, 1) != 1) return;
    for (struct prefetch_list *list = prefetcher->first, *next; list; list = next) {
        next = list->next;
        free(list);
    }
    pthread_mutex_destroy(&prefetcher->lock);
    free(prefetcher);
}

static void *prefetch_run(void *argument) {
    struct ardaku_prefetcher *prefetcher = argument;
    for (;;) {
        pthread_mutex_lock(&prefetcher->lock);
        struct prefetch_list *list = prefetcher->first;
        if (!list || atomic_load(&prefetcher->stopping)) {
            prefetcher->running = 0;
            pthread_mutex_unlock(&prefetcher->lock);
            break;
        }
        prefetcher->first = list->next;
        if (!prefetcher->first) prefetcher->last = NULL;
        pthread_mutex_unlock(&prefetcher->lock);
        // Announce first, then look at `stopping` (both sequentially consistent, as in stop,
        // which sets `stopping`, then looks at `touching`): either stop sees this thread
        // and waits for it, or this thread sees `stopping` and touches nothing more.
        atomic_fetch_add(&prefetcher->touching, 1);
        if (list->drop_length > 0) {
            if (!atomic_load(&prefetcher->stopping))
                (void)madvise((void *)list->drop_start, list->drop_length, MADV_DONTNEED);
        } else {
            for (size_t i = list->count; i-- > 0;) {
                if (atomic_load(&prefetcher->stopping)) break;
                (void)*(const volatile uint8_t *)list->addresses[i];
            }
        }
        atomic_fetch_sub(&prefetcher->touching, 1);
        free(list);
    }
    prefetcher_release(prefetcher);
    return NULL;
}

ardaku_prefetcher *ardaku_prefetcher_start(void) {
    cpu_set_t usable;
    if (sched_getaffinity(0, sizeof usable, &usable) != 0 || CPU_COUNT(&usable) < 2) return NULL;
    struct ardaku_prefetcher *prefetcher = calloc(1, sizeof *prefetcher);
    if (!prefetcher) return NULL;
    pthread_mutex_init(&prefetcher->lock, NULL);
    atomic_init(&prefetcher->stopping, 0);
    atomic_init(&prefetcher->touching, 0);
    atomic_init(&prefetcher->references, 1);
    return prefetcher;
}

static void prefetcher_enqueue(struct ardaku_prefetcher *prefetcher, struct prefetch_list *list);

void ardaku_prefetcher_touch(ardaku_prefetcher *prefetcher, const uintptr_t *addresses, size_t count) {
    if (!prefetcher || count == 0 || count > (SIZE_MAX - sizeof(struct prefetch_list)) / sizeof *addresses) return;
    struct prefetch_list *list = malloc(sizeof *list + count * sizeof *addresses);
    if (!list) return;  // only a hint
    list->next = NULL;
    list->drop_start = 0;
    list->drop_length = 0;
    list->count = count;
    memcpy(list->addresses, addresses, count * sizeof *addresses);
    prefetcher_enqueue(prefetcher, list);
}

void ardaku_prefetcher_drop(ardaku_prefetcher *prefetcher, const void *start, size_t length) {
    if (!prefetcher || length == 0) return;
    struct prefetch_list *list = malloc(sizeof *list);
    if (!list) return;
    list->next = NULL;
    list->drop_start = (uintptr_t)start;
    list->drop_length = length;
    list->count = 0;
    prefetcher_enqueue(prefetcher, list);
}

static void prefetcher_enqueue(struct ardaku_prefetcher *prefetcher, struct prefetch_list *list) {
    pthread_mutex_lock(&prefetcher->lock);
    if (prefetcher->last) prefetcher->last->next = list; else prefetcher->first = list;
    prefetcher->last = list;
    int start = !prefetcher->running;
    if (start) {
        prefetcher->running = 1;
        atomic_fetch_add(&prefetcher->references, 1);
    }
    pthread_mutex_unlock(&prefetcher->lock);
    if (!start) return;
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attributes, 64 << 10);  // a loop, no recursion
    // The thread takes no asynchronous signals (SIGINT and the like stay with the tool's
    // threads); a fault it takes on a mapping (SIGBUS) is still reported as an I/O error.
    sigset_t blocked, previous;
    sigfillset(&blocked);
    sigdelset(&blocked, SIGBUS);
    sigdelset(&blocked, SIGSEGV);
    pthread_sigmask(SIG_SETMASK, &blocked, &previous);
    pthread_t thread;
    int rc = pthread_create(&thread, &attributes, prefetch_run, prefetcher);
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    pthread_attr_destroy(&attributes);
    if (rc != 0) {
        // No thread: the lists wait for the next hand-over to try again.
        pthread_mutex_lock(&prefetcher->lock);
        prefetcher->running = 0;
        pthread_mutex_unlock(&prefetcher->lock);
        prefetcher_release(prefetcher);
    }
}

void ardaku_prefetcher_stop(ardaku_prefetcher *prefetcher) {
    if (!prefetcher) return;
    atomic_store(&prefetcher->stopping, 1);
    // A thread inside its loop ends after the touch it is at; one not there yet never
    // touches. Threads not yet scheduled are not waited for.
    while (atomic_load(&prefetcher->touching) != 0) sched_yield();
    prefetcher_release(prefetcher);
}

// MARK: - Extracting without leaving temporary files

int ardaku_open_unnamed(int dirfd, unsigned int mode) {
    int fd;
    do { fd = openat(dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, (mode_t)mode); } while (fd < 0 && errno == EINTR);
    return fd >= 0 ? fd : -errno;
}

int ardaku_link_unnamed(int fd, int dirfd, const char *name) {
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    return linkat(AT_FDCWD, path, dirfd, name, AT_SYMLINK_FOLLOW) == 0 ? 0 : -errno;
}

// One name at a time: extraction writes one file after another. The handler reads the slot
// only when `temporary_armed` is set, and the setters clear it before touching the slot.
static char temporary_name[256];
static int temporary_directory = -1;
static volatile sig_atomic_t temporary_armed = 0;

static void on_terminating_signal(int signal_number) {
    if (temporary_armed) unlinkat(temporary_directory, temporary_name, 0);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = SIG_DFL;
    sigemptyset(&action.sa_mask);
    sigaction(signal_number, &action, NULL);
    raise(signal_number);
}

int ardaku_temporary_cleanup_install(void) {
    static const int signals[] = { SIGINT, SIGTERM, SIGHUP };
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) {
        struct sigaction action, previous;
        if (sigaction(signals[i], NULL, &previous) != 0) return -errno;
        // A signal the caller's parent set to be ignored stays ignored (as nohup expects).
        if (previous.sa_handler == SIG_IGN) continue;
        memset(&action, 0, sizeof action);
        action.sa_handler = on_terminating_signal;
        sigemptyset(&action.sa_mask);
        if (sigaction(signals[i], &action, NULL) != 0) return -errno;
    }
    return 0;
}

void ardaku_temporary_register(int dirfd, const char *name) {
    temporary_armed = 0;
    atomic_signal_fence(memory_order_seq_cst);
    temporary_directory = dirfd;
    strncpy(temporary_name, name, sizeof temporary_name - 1);
    temporary_name[sizeof temporary_name - 1] = 0;
    // The handler must see the whole name once it sees the slot armed.
    atomic_signal_fence(memory_order_seq_cst);
    temporary_armed = 1;
}

void ardaku_temporary_clear(void) { temporary_armed = 0; }

// MARK: - Host trees with attributes

#include <sys/stat.h>
#include <sys/xattr.h>

int64_t ardaku_list_xattrs(const char *path, char *list, size_t size) {
    ssize_t r = llistxattr(path, list, size);
    return r < 0 ? -errno : (int64_t)r;
}

int64_t ardaku_get_xattr(const char *path, const char *name, void *value, size_t size) {
    ssize_t r = lgetxattr(path, name, value, size);
    return r < 0 ? -errno : (int64_t)r;
}

int ardaku_set_xattr_at(int dirfd, const char *name, const char *attribute, const void *value, size_t size) {
    char path[512];
    int length = snprintf(path, sizeof path, "/proc/self/fd/%d/%s", dirfd, name);
    if (length < 0 || (size_t)length >= sizeof path) return -ENAMETOOLONG;
    return lsetxattr(path, attribute, value, size, 0) == 0 ? 0 : -errno;
}

int ardaku_set_xattr_fd(int fd, const char *attribute, const void *value, size_t size) {
    return fsetxattr(fd, attribute, value, size, 0) == 0 ? 0 : -errno;
}

uint64_t ardaku_device_make(unsigned int major, unsigned int minor) { return (uint64_t)makedev(major, minor); }

int ardaku_make_node_at(int dirfd, const char *name, unsigned int mode, uint64_t device) {
    return mknodat(dirfd, name, (mode_t)mode, (dev_t)device) == 0 ? 0 : -errno;
}

int ardaku_make_fifo_at(int dirfd, const char *name, unsigned int mode) {
    return mkfifoat(dirfd, name, (mode_t)mode) == 0 ? 0 : -errno;
}

int ardaku_make_symlink_at(const char *target, int dirfd, const char *name) {
    return symlinkat(target, dirfd, name) == 0 ? 0 : -errno;
}

int ardaku_make_link_at(int olddirfd, const char *oldname, int newdirfd, const char *newname) {
    return linkat(olddirfd, oldname, newdirfd, newname, 0) == 0 ? 0 : -errno;
}

int ardaku_chown_at(int dirfd, const char *name, uint32_t owner, uint32_t group) {
    return fchownat(dirfd, name, (uid_t)owner, (gid_t)group, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : -errno;
}

int ardaku_chmod_at(int dirfd, const char *name, unsigned int mode) {
    return fchmodat(dirfd, name, (mode_t)mode, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : -errno;
}

int ardaku_set_times_at(int dirfd, const char *name, int64_t access_seconds, uint32_t access_nanoseconds,
                        int64_t modification_seconds, uint32_t modification_nanoseconds) {
    struct timespec times[2] = {
        { .tv_sec = (time_t)access_seconds, .tv_nsec = (long)access_nanoseconds },
        { .tv_sec = (time_t)modification_seconds, .tv_nsec = (long)modification_nanoseconds },
    };
    return utimensat(dirfd, name, times, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : -errno;
}

int ardaku_set_times_fd(int fd, int64_t access_seconds, uint32_t access_nanoseconds,
                        int64_t modification_seconds, uint32_t modification_nanoseconds) {
    struct timespec times[2] = {
        { .tv_sec = (time_t)access_seconds, .tv_nsec = (long)access_nanoseconds },
        { .tv_sec = (time_t)modification_seconds, .tv_nsec = (long)modification_nanoseconds },
    };
    return futimens(fd, times) == 0 ? 0 : -errno;
}
