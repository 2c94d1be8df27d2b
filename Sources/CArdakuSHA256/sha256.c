// SHA-256 through OpenSSL's low-level SHA256_Init/Update/Final.
//
// Why these and not EVP: in a static link the low-level calls pull in only libcrypto's
// SHA-256 objects and its CPU-feature detection (which picks the SHA-NI, AVX2 or SSSE3
// assembly at start-up), while EVP_Digest* brings OpenSSL's provider machinery with it.
// OpenSSL 3 marks the low-level calls deprecated but keeps them; the attribute is
// suppressed here, and no OpenSSL header reaches Swift (ardaku_sha256.h has its own
// context type of a fixed size).
#define OPENSSL_SUPPRESS_DEPRECATED
#include "ardaku_sha256.h"
#include <openssl/sha.h>

_Static_assert(sizeof(SHA256_CTX) <= sizeof(ardaku_sha256_ctx), "SHA256_CTX does not fit ardaku_sha256_ctx");
_Static_assert(_Alignof(SHA256_CTX) <= _Alignof(ardaku_sha256_ctx), "SHA256_CTX is more aligned than ardaku_sha256_ctx");
_Static_assert(SHA256_DIGEST_LENGTH == ARDAKU_SHA256_DIGEST_BYTES, "SHA-256 digests are 32 bytes");

// The three calls return 1 on any context SHA256_Init started (they have no failure for
// SHA-256), so their results are not passed on.

void ardaku_sha256_init(ardaku_sha256_ctx *ctx) {
    SHA256_Init((SHA256_CTX *)ctx);
}

void ardaku_sha256_update(ardaku_sha256_ctx *ctx, const void *bytes, size_t length) {
    if (length == 0) return;
    SHA256_Update((SHA256_CTX *)ctx, bytes, length);
}

void ardaku_sha256_final(ardaku_sha256_ctx *ctx, uint8_t digest[ARDAKU_SHA256_DIGEST_BYTES]) {
    SHA256_Final(digest, (SHA256_CTX *)ctx);
}
