// CRC-32 throughput: zlib's crc32_z() against the project's ardaku_crc32()
// (Sources/CArdakuCRC/crc32.c, compiled in by tools/bench/run), on one core.
//
// Usage: crcbench [MiB [repetitions]]      prints one JSON object on stdout
//
// Two patterns, both over the same pseudo-random buffer held in memory:
//   "stream": one call over the whole buffer (memory bandwidth matters)
//   "pages":  one call per 64 KiB page, as fsck verifies data pages
// Built with -DNO_ARDAKU when the project's CRC source is absent: zlib only.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>
#ifndef NO_ARDAKU
#include "ardaku_crc.h"
#endif

#define PAGE (64u * 1024u)

typedef uint32_t (*crc_fn)(uint32_t, const void *, size_t);

static uint32_t zlib_crc(uint32_t crc, const void *p, size_t n) {
    return (uint32_t)crc32_z(crc, (const Bytef *)p, n);
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

// Runs `fn` `reps` times in the given pattern; writes seconds per run into `out`.
static uint32_t run(crc_fn fn, const unsigned char *buf, size_t size, int pages, int reps,
                    double *out) {
    uint32_t result = 0;
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        uint32_t acc = 0;
        if (pages) {
            for (size_t off = 0; off < size; off += PAGE)
                acc ^= fn(0, buf + off, size - off < PAGE ? size - off : PAGE);
        } else {
            acc = fn(0, buf, size);
        }
        out[r] = now() - t0;
        result = acc;
    }
    return result;
}

static void report(const char *name, crc_fn fn, const unsigned char *buf, size_t size,
                   int reps, uint32_t *stream_crc, int last) {
    double *t = calloc((size_t)reps, sizeof(double));
    printf("  \"%s\": {", name);
    for (int pages = 0; pages <= 1; pages++) {
        uint32_t c = run(fn, buf, size, pages, reps, t);
        if (!pages) *stream_crc = c;
        printf("%s\"%s\": {\"crc\": \"%08x\", \"seconds\": [", pages ? ", " : "",
               pages ? "pages" : "stream", c);
        for (int r = 0; r < reps; r++) printf("%s%.6f", r ? ", " : "", t[r]);
        qsort(t, (size_t)reps, sizeof(double), cmp_double);
        printf("], \"median_gbps\": %.3f, \"best_gbps\": %.3f}", size / t[reps / 2] / 1e9,
               size / t[0] / 1e9);
    }
    printf("}%s\n", last ? "" : ",");
    free(t);
}

int main(int argc, char **argv) {
    size_t mib = argc > 1 ? strtoull(argv[1], NULL, 10) : 256;
    int reps = argc > 2 ? atoi(argv[2]) : 5;
    if (mib == 0 || reps < 1) return 2;
    size_t size = mib * 1024 * 1024;
    unsigned char *buf = malloc(size);
    if (!buf) return 1;
    uint64_t x = 0x9E3779B97F4A7C15ull;     // xorshift64: fixed, incompressible content
    for (size_t i = 0; i < size; i += 8) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        memcpy(buf + i, &x, size - i < 8 ? size - i : 8);
    }
    uint32_t z = 0, a = 0;
    printf("{\n  \"bytes\": %zu,\n  \"repetitions\": %d,\n", size, reps);
#ifdef NO_ARDAKU
    report("zlib_crc32", zlib_crc, buf, size, reps, &z, 1);
    (void)a;
    printf("}\n");
#else
    report("zlib_crc32", zlib_crc, buf, size, reps, &z, 0);
    report("ardaku_crc32", ardaku_crc32, buf, size, reps, &a, 0);
    printf("  \"accelerated\": %d,\n  \"wide\": %d,\n  \"identical\": %s\n}\n", ardaku_crc32_is_accelerated(),
           ardaku_crc32_is_wide(), z == a ? "true" : "false");
#endif
    free(buf);
    return 0;
}
