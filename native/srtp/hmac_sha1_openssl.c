/*
 * libsrtp's own HMAC-SHA1 (crypto/hash/hmac.c, compiled unchanged from the libsrtp source the addon
 * is built from) with OpenSSL's SHA-1 underneath instead of libsrtp's portable C SHA-1.
 *
 * Why: libsrtp built with OpenSSL authenticates through hmac_ossl.c, which on OpenSSL 3.0 restarts
 * the MAC for every packet with EVP_MAC_init → HMAC_Init_ex → EVP_MD_CTX_copy_ex, and that copy
 * duplicates the provider's SHA-1 context with a malloc and a free per packet (OpenSSL 3.3 copies in
 * place; Debian 12 ships 3.0). It was about 28 % of SRTP's samples at 400 calls (docs/media-rtp.md).
 * hmac.c keeps the inner pad's SHA-1 state and restarts with a memcpy of it; fed by libsrtp's C
 * SHA-1 it costs 5x more per tag than OpenSSL (no SHA extensions). Here the same hmac.c runs over
 * OpenSSL's SHA1_Init/Update/Final, which use the CPU's SHA or AVX2 instructions: no allocation per
 * packet and OpenSSL's hashing. Nothing cryptographic is written here: the HMAC construction is
 * libsrtp's, the hash is OpenSSL's; this file only maps libsrtp's SHA-1 interface onto OpenSSL's.
 *
 * Built by scripts/build-native.sh inside the configured libsrtp source tree (it needs libsrtp's
 * config.h and internal headers) into libhushgate_hmac.a beside the static libsrtp2.a. On load,
 * srtp_replace_auth_type() runs libsrtp's HMAC-SHA1 self-test (RFC 2202 case) on it before use.
 */
#define OPENSSL_SUPPRESS_DEPRECATED /* SHA1_Init & co. are deprecated in 3.0, not removed */
#include <openssl/sha.h>
#include <stdint.h>
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include "err.h"       /* what libsrtp's sha1.h itself includes, before its own declarations */
#include "datatypes.h"

/* libsrtp's sha1.h guards itself with SHA1_H: define it so hmac.h's #include "sha1.h" is empty
 * and provide that header's interface over OpenSSL instead. */
#define SHA1_H
typedef SHA_CTX srtp_sha1_ctx_t;
static inline void srtp_sha1_init(srtp_sha1_ctx_t *ctx) { SHA1_Init(ctx); }
static inline void srtp_sha1_update(srtp_sha1_ctx_t *ctx, const uint8_t *msg, int octets_in_msg) {
  SHA1_Update(ctx, msg, (size_t)octets_in_msg);
}
/* libsrtp's srtp_sha1_final writes the digest's 20 bytes, in order, into output[5]. */
static inline void srtp_sha1_final(srtp_sha1_ctx_t *ctx, uint32_t output[5]) {
  SHA1_Final((unsigned char *)output, ctx);
}

/* Renamed so they do not collide with hmac_ossl.c's srtp_hmac in the static libsrtp2.a. */
#define srtp_hmac hushgate_srtp_hmac_sha1
#define srtp_mod_hmac hushgate_srtp_mod_hmac_sha1
#include "../hash/hmac.c" /* from crypto/include, which the build puts on the include path */

/* Replaces libsrtp's SRTP_HMAC_SHA1 (hmac_ossl.c) with the above; libsrtp self-tests it first.
 * Call after srtp_init() and before any session exists. Returns a srtp_err_status_t. */
int hushgate_srtp_use_openssl_sha1_hmac(void) {
  return (int)srtp_replace_auth_type(&srtp_hmac, SRTP_HMAC_SHA1);
}
