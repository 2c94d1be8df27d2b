#ifndef ARDAKU_CRC_H
#define ARDAKU_CRC_H
#include <stddef.h>
#include <stdint.h>

/// CRC-32/ISO-HDLC, the CRC that zlib's crc32() computes (reflected polynomial 0xEDB88320,
/// initial value and final XOR 0xFFFFFFFF). Pass 0 as `crc` to start; pass a previous
/// result to continue over more bytes, exactly like zlib's crc32_z().
/// Uses carry-less multiplication folding (PCLMULQDQ, or VPCLMULQDQ on 512-bit registers)
/// when the CPU has it and the buffer is long enough; otherwise, and for the tail, zlib's
/// own crc32_z().
uint32_t ardaku_crc32(uint32_t crc, const void *buffer, size_t length);

/// zlib's crc32_z(), unaccelerated; the reference the accelerated path is tested against.
uint32_t ardaku_crc32_reference(uint32_t crc, const void *buffer, size_t length);

/// 1 when ardaku_crc32() uses the PCLMULQDQ path on this CPU, else 0.
int ardaku_crc32_is_accelerated(void);

/// 1 when ardaku_crc32() folds 512-bit registers (VPCLMULQDQ) on buffers of 1 KiB or more.
int ardaku_crc32_is_wide(void);

/// ardaku_crc32() without the 512-bit fold: tests compare both paths with zlib on every CPU
/// that has them.
uint32_t ardaku_crc32_narrow(uint32_t crc, const void *buffer, size_t length);

#endif
