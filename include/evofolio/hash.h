/* hash: FNV-1a 64, the project's one non-cryptographic checksum (configuration hashes, file checksums).
 * A stable identifier, not a security measure. Pure function. */
#ifndef EVOFOLIO_HASH_H
#define EVOFOLIO_HASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t hash_fnv1a(const void *data, size_t n);

#endif
