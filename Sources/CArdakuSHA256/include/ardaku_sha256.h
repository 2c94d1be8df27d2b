#ifndef ARDAKU_SHA256_H
#define ARDAKU_SHA256_H
#include <stddef.h>
#include <stdint.h>

/// SHA-256 (FIPS 180-4) from OpenSSL's libcrypto, behind a header that does not include
/// OpenSSL's: Swift sees only this context and three calls.

/// Bytes in a digest.
#define ARDAKU_SHA256_DIGEST_BYTES 32

/// The running state of one hash. Its words are OpenSSL's SHA256_CTX (the .c file checks
/// that it fits); a plain value with no pointers, so copying it copies the hash so far.
typedef struct {
    uint64_t opaque[16];
} ardaku_sha256_ctx;

/// Starts a hash.
void ardaku_sha256_init(ardaku_sha256_ctx *ctx);

/// Adds `length` bytes at `bytes` (which may be NULL when `length` is 0).
void ardaku_sha256_update(ardaku_sha256_ctx *ctx, const void *bytes, size_t length);

/// Writes the 32-byte digest of everything added to `digest`. `ctx` is left spent: start
/// it again, or finish a copy to keep adding to the original.
void ardaku_sha256_final(ardaku_sha256_ctx *ctx, uint8_t digest[ARDAKU_SHA256_DIGEST_BYTES]);

#endif
