/*
 * hushgate_srtp: a thin N-API binding of libsrtp 2 (the SRTP library WebRTC stacks and SBCs use)
 * for one SDES master key: an outbound session (protect) and an inbound one (unprotect). All
 * protocol logic (key derivation, ROC, replay window, AES-CM, HMAC-SHA1, MKI) is libsrtp's; this
 * file only moves bytes and maps errors. The TypeScript side (src/media/srtp/libsrtp-context.ts)
 * owns validation, counters, the bound on tracked SSRCs and the choice between this and the
 * OpenSSL path (src/media/srtp/backend.ts).
 *
 * Why copy into a scratch buffer: libsrtp transforms in place and may assume it can write
 * SRTP_MAX_TRAILER_LEN (+4 for SRTCP) past the packet. Copying 200 bytes into our own
 * buffer keeps JavaScript buffers untouched (the caller's packet is never modified) and makes
 * an out-of-bounds write impossible whatever the caller passes.
 *
 * The media path uses the in-place pair instead (issue 19: the copying pair made libsrtp cost 2.5×
 * plain per call): module functions `protectInPlace(handle, buf, len)` protects the RTP packet in
 * buf[0..len) where it lies and appends the tag, `unprotectInPlace(handle, buf, len)` authenticates
 * and decrypts buf[0..len) where it lies (`handle`: the context's, see Handles below). One N-API
 * call per packet, no copy, no scratch: the TypeScript side passes buffers it owns (its send ring;
 * the datagram dgram just handed it), and this side checks that the room
 * libsrtp may write (SRTP_MAX_TRAILER_LEN past the packet for protect; nothing past it for
 * unprotect) lies inside the JavaScript buffer.
 *
 * The native UDP batch protects, and the native receive path opens, with the same functions
 * without an N-API call per packet: `batchProtectHook` (an External of batch_protect.h's table) is
 * handed to hushgate_udp once.
 *
 * Return convention of the packet functions: >= 0 is the output length; < 0 is -(srtp_err_status_t),
 * or -1000 when the input does not fit or the output buffer is too small.
 */
#include <node_api.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <srtp2/srtp.h>
#include "batch_protect.h"

#define SCRATCH_BYTES 8192
#define MAX_PACKET (SCRATCH_BYTES - SRTP_MAX_TRAILER_LEN - 4)
#define ERR_SIZE (-1000)

typedef struct {
  srtp_t tx; /* ssrc_any_outbound: protect, protectRtcp */
  srtp_t rx; /* ssrc_any_inbound: unprotect, unprotectRtcp */
  int use_mki;
  uint32_t handle; /* index in this thread's handle table (1-based) */
} Ctx;

/*
 * Handles: the media path's in-place pair is called as module functions with a context's handle, a
 * small integer, rather than as methods — napi_unwrap looks a private property up on the wrapper
 * object on every call, and with hundreds of calls' contexts those objects are cold in the cache:
 * unwrap and its property lookup were ≈ 3.5 % of a 400-call SRTP gateway's CPU (perf, bench/media),
 * a table lookup is one load. The table is per thread (each media worker owns the contexts it made;
 * N-API calls and finalizers run on the thread of the context's env), grows by doubling, and a freed
 * handle is reused. A stale or foreign handle finds NULL and throws.
 */
static _Thread_local Ctx **handles;
static _Thread_local uint32_t handles_cap;
static _Thread_local uint32_t handles_free; /* lowest possibly free index, a hint */

static uint32_t handle_alloc(Ctx *c) {
  for (uint32_t i = handles_free ? handles_free : 1; i < handles_cap; i++) {
    if (!handles[i]) {
      handles[i] = c;
      handles_free = i + 1;
      return i;
    }
  }
  uint32_t cap = handles_cap ? handles_cap * 2 : 64;
  Ctx **grown = (Ctx **)realloc(handles, cap * sizeof(Ctx *));
  if (!grown) return 0;
  memset(grown + handles_cap, 0, (cap - handles_cap) * sizeof(Ctx *));
  uint32_t i = handles_cap ? handles_cap : 1;
  handles = grown;
  handles_cap = cap;
  handles[i] = c;
  handles_free = i + 1;
  return i;
}

static void handle_free(uint32_t i) {
  if (i == 0 || i >= handles_cap) return;
  handles[i] = NULL;
  if (i < handles_free) handles_free = i;
}

/* One scratch buffer per thread (N-API calls are synchronous on their JS thread; media workers each have one). */
static _Thread_local uint8_t scratch[SCRATCH_BYTES];

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static srtp_err_status_t init_status = srtp_err_status_fail;
/*
 * Which HMAC-SHA1 libsrtp authenticates with. Built from source (static), the addon replaces
 * libsrtp's OpenSSL-3.0 EVP_MAC one (a malloc + free per packet) with libsrtp's own hmac.c over
 * OpenSSL's SHA-1 (hmac_sha1_openssl.c), after libsrtp self-tests it. HUSHGATE_LIBSRTP_HMAC=evp keeps
 * libsrtp's default (for A/B measurements). A replacement that fails its self-test is not used.
 */
#ifdef HUSHGATE_OPENSSL_SHA1_HMAC
int hushgate_srtp_use_openssl_sha1_hmac(void);
#endif
static const char *hmac_implementation = "libsrtp default";
static void init_library(void) {
  init_status = srtp_init();
  if (init_status != srtp_err_status_ok) return;
#ifdef HUSHGATE_OPENSSL_SHA1_HMAC
  hmac_implementation = "libsrtp EVP_MAC (hmac_ossl.c)";
  const char *choice = getenv("HUSHGATE_LIBSRTP_HMAC");
  if (choice != NULL && strcmp(choice, "evp") == 0) return;
  if (hushgate_srtp_use_openssl_sha1_hmac() == 0)
    hmac_implementation = "libsrtp hmac.c over OpenSSL SHA-1";
  else
    hmac_implementation = "libsrtp EVP_MAC (hmac_ossl.c): the replacement failed its self-test";
#endif
}

#define CHECK(call)                                                        \
  do {                                                                     \
    if ((call) != napi_ok) {                                               \
      napi_throw_error(env, "ERR_SRTP_NATIVE", "N-API call failed: " #call); \
      return NULL;                                                         \
    }                                                                      \
  } while (0)

static void finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  Ctx *c = (Ctx *)data;
  handle_free(c->handle);
  if (c->tx) srtp_dealloc(c->tx);
  if (c->rx) srtp_dealloc(c->rx);
  free(c);
}

static int get_bytes(napi_env env, napi_value v, uint8_t **data, size_t *len) {
  bool is;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return 0;
  napi_typedarray_type type;
  napi_value ab;
  size_t off;
  void *p;
  if (napi_get_typedarray_info(env, v, &type, len, &p, &ab, &off) != napi_ok) return 0;
  if (type != napi_uint8_array) return 0;
  *data = (uint8_t *)p;
  return 1;
}

/* new NativeSrtp(suite: 80|32, key: Uint8Array(16), salt: Uint8Array(14), mki: Uint8Array|null, window: number) */
static napi_value construct(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5], self;
  CHECK(napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  pthread_once(&init_once, init_library);
  if (init_status != srtp_err_status_ok) {
    napi_throw_error(env, "ERR_SRTP_INIT", "libsrtp initialisation failed");
    return NULL;
  }
  int32_t tag_bits, window;
  uint8_t *key, *salt, *mki = NULL;
  size_t key_len, salt_len, mki_len = 0;
  napi_valuetype mki_type;
  if (argc < 5 || napi_get_value_int32(env, argv[0], &tag_bits) != napi_ok || !get_bytes(env, argv[1], &key, &key_len) ||
      !get_bytes(env, argv[2], &salt, &salt_len) || napi_typeof(env, argv[3], &mki_type) != napi_ok ||
      napi_get_value_int32(env, argv[4], &window) != napi_ok) {
    napi_throw_type_error(env, "ERR_SRTP_ARGS", "NativeSrtp(suite, key, salt, mki, window)");
    return NULL;
  }
  if (mki_type != napi_null && mki_type != napi_undefined && !get_bytes(env, argv[3], &mki, &mki_len)) {
    napi_throw_type_error(env, "ERR_SRTP_ARGS", "mki must be a Uint8Array or null");
    return NULL;
  }
  if ((tag_bits != 80 && tag_bits != 32) || key_len != 16 || salt_len != 14 || mki_len > SRTP_MAX_MKI_LEN || window < 64 || window >= 0x8000) {
    napi_throw_range_error(env, "ERR_SRTP_ARGS", "unsupported SRTP parameters");
    return NULL;
  }
  Ctx *c = (Ctx *)calloc(1, sizeof(Ctx));
  if (!c) {
    napi_throw_error(env, "ERR_SRTP_NOMEM", "out of memory");
    return NULL;
  }
  unsigned char master[30];
  memcpy(master, key, 16);
  memcpy(master + 16, salt, 14);
  srtp_master_key_t mk = {master, mki, (unsigned int)mki_len};
  srtp_master_key_t *keys[1] = {&mk};
  srtp_policy_t policy;
  memset(&policy, 0, sizeof(policy));
  if (tag_bits == 80) srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
  else srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&policy.rtp);
  /* SRTCP always carries the 80-bit tag (RFC 4568 §6.2.1–6.2.2). */
  srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
  if (mki_len > 0) {
    policy.keys = keys;
    policy.num_master_keys = 1;
  } else {
    policy.key = master;
  }
  policy.window_size = (unsigned long)window;
  /* Our sender may legitimately resend a sequence number (same payload); the OpenSSL path allows it too. */
  policy.allow_repeat_tx = 1;
  policy.ssrc.type = ssrc_any_outbound;
  srtp_err_status_t st = srtp_create(&c->tx, &policy);
  if (st == srtp_err_status_ok) {
    policy.ssrc.type = ssrc_any_inbound;
    st = srtp_create(&c->rx, &policy);
  }
  memset(master, 0, sizeof(master));
  if (st != srtp_err_status_ok) {
    if (c->tx) srtp_dealloc(c->tx);
    free(c);
    napi_throw_error(env, "ERR_SRTP_CREATE", "srtp_create failed");
    return NULL;
  }
  c->use_mki = mki_len > 0;
  c->handle = handle_alloc(c);
  napi_value handle;
  if (c->handle == 0 || napi_wrap(env, self, c, finalize, NULL, NULL) != napi_ok) {
    finalize(env, c, NULL);
    napi_throw_error(env, "ERR_SRTP_NATIVE", "napi_wrap failed");
    return NULL;
  }
  CHECK(napi_create_uint32(env, c->handle, &handle));
  CHECK(napi_set_named_property(env, self, "handle", handle));
  return self;
}

typedef enum { OP_PROTECT, OP_UNPROTECT, OP_PROTECT_RTCP, OP_UNPROTECT_RTCP } Op;

static napi_value transform(napi_env env, napi_callback_info info, Op op) {
  size_t argc = 2;
  napi_value argv[2], self, result;
  CHECK(napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  Ctx *c;
  CHECK(napi_unwrap(env, self, (void **)&c));
  uint8_t *in, *out;
  size_t in_len, out_cap;
  if (argc < 2 || !get_bytes(env, argv[0], &in, &in_len) || !get_bytes(env, argv[1], &out, &out_cap)) {
    napi_throw_type_error(env, "ERR_SRTP_ARGS", "(input: Uint8Array, output: Uint8Array)");
    return NULL;
  }
  int32_t ret;
  if (!c->tx || !c->rx) {
    napi_throw_error(env, "ERR_SRTP_DISPOSED", "SRTP context was disposed");
    return NULL;
  }
  if (in_len > MAX_PACKET) {
    ret = ERR_SIZE;
  } else {
    int len = (int)in_len;
    srtp_err_status_t st;
    memcpy(scratch, in, in_len);
    switch (op) {
      case OP_PROTECT: st = srtp_protect_mki(c->tx, scratch, &len, c->use_mki, 0); break;
      case OP_UNPROTECT: st = srtp_unprotect_mki(c->rx, scratch, &len, c->use_mki); break;
      case OP_PROTECT_RTCP: st = srtp_protect_rtcp_mki(c->tx, scratch, &len, c->use_mki, 0); break;
      default: st = srtp_unprotect_rtcp_mki(c->rx, scratch, &len, c->use_mki); break;
    }
    if (st != srtp_err_status_ok) ret = -(int32_t)st;
    else if (len < 0 || (size_t)len > out_cap) ret = ERR_SIZE;
    else {
      memcpy(out, scratch, (size_t)len);
      ret = len;
    }
    /* Plaintext must not linger in the scratch buffer after an unprotect. */
    if (op == OP_UNPROTECT || op == OP_UNPROTECT_RTCP) memset(scratch, 0, in_len);
  }
  CHECK(napi_create_int32(env, ret, &result));
  return result;
}

/* RTP in place for a live context: buf[0..len) of a buffer `cap` bytes long → new length or < 0. */
static int32_t rtp_in_place(Ctx *c, Op op, uint8_t *p, size_t len, size_t cap) {
  /* protect appends tag (and MKI): libsrtp may write up to SRTP_MAX_TRAILER_LEN past the packet. */
  size_t room = op == OP_PROTECT ? SRTP_MAX_TRAILER_LEN : 0;
  if (len > cap || cap - len < room || len > MAX_PACKET) return ERR_SIZE;
  int n = (int)len;
  srtp_err_status_t st = op == OP_PROTECT ? srtp_protect_mki(c->tx, p, &n, c->use_mki, 0) : srtp_unprotect_mki(c->rx, p, &n, c->use_mki);
  return st != srtp_err_status_ok ? -(int32_t)st : (n < 0 ? ERR_SIZE : n);
}

/* The native UDP batch's protect (batch_protect.h): a stale, foreign or disposed handle is refused, never thrown. */
static int32_t batch_protect(uint32_t h, uint8_t *buf, size_t len, size_t cap) {
  Ctx *c = h < handles_cap ? handles[h] : NULL;
  if (!c || !c->tx || !c->rx) return ERR_SIZE;
  return rtp_in_place(c, OP_PROTECT, buf, len, cap);
}

/* The native receive path's unprotect: as batch_protect. */
static int32_t batch_unprotect(uint32_t h, uint8_t *buf, size_t len, size_t cap) {
  Ctx *c = h < handles_cap ? handles[h] : NULL;
  if (!c || !c->tx || !c->rx) return ERR_SIZE;
  return rtp_in_place(c, OP_UNPROTECT, buf, len, cap);
}

static const HushgateBatchProtect batch_protect_hook = {HUSHGATE_BATCH_PROTECT_ABI, batch_protect, batch_unprotect};

/*
 * (handle: number, buf: Uint8Array, len: number) → new length or < 0; module functions (see Handles).
 * RTP only: RTCP is rare and keeps the copying pair.
 */
static napi_value transform_in_place(napi_env env, napi_callback_info info, Op op) {
  size_t argc = 3;
  napi_value argv[3], result;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  napi_typedarray_type type;
  napi_value ab;
  size_t cap, off;
  void *p;
  uint32_t len, h;
  if (argc < 3 || napi_get_value_uint32(env, argv[0], &h) != napi_ok || napi_get_typedarray_info(env, argv[1], &type, &cap, &p, &ab, &off) != napi_ok ||
      type != napi_uint8_array || napi_get_value_uint32(env, argv[2], &len) != napi_ok) {
    napi_throw_type_error(env, "ERR_SRTP_ARGS", "(handle: number, buf: Uint8Array, len: number)");
    return NULL;
  }
  Ctx *c = h < handles_cap ? handles[h] : NULL;
  if (!c) {
    napi_throw_error(env, "ERR_SRTP_HANDLE", "no SRTP context with that handle on this thread");
    return NULL;
  }
  if (!c->tx || !c->rx) {
    napi_throw_error(env, "ERR_SRTP_DISPOSED", "SRTP context was disposed");
    return NULL;
  }
  CHECK(napi_create_int32(env, rtp_in_place(c, op, p, len, cap), &result));
  return result;
}

static napi_value protect_in_place(napi_env env, napi_callback_info info) { return transform_in_place(env, info, OP_PROTECT); }
static napi_value unprotect_in_place(napi_env env, napi_callback_info info) { return transform_in_place(env, info, OP_UNPROTECT); }
static napi_value protect(napi_env env, napi_callback_info info) { return transform(env, info, OP_PROTECT); }
static napi_value unprotect(napi_env env, napi_callback_info info) { return transform(env, info, OP_UNPROTECT); }
static napi_value protect_rtcp(napi_env env, napi_callback_info info) { return transform(env, info, OP_PROTECT_RTCP); }
static napi_value unprotect_rtcp(napi_env env, napi_callback_info info) { return transform(env, info, OP_UNPROTECT_RTCP); }

/* (receive: boolean, ssrc: number) → the session of that direction (may be NULL after dispose). */
static int ssrc_args(napi_env env, napi_callback_info info, srtp_t *session, uint32_t *ssrc) {
  size_t argc = 2;
  napi_value argv[2], self;
  Ctx *c;
  bool receive;
  if (napi_get_cb_info(env, info, &argc, argv, &self, NULL) != napi_ok || napi_unwrap(env, self, (void **)&c) != napi_ok ||
      argc < 2 || napi_get_value_bool(env, argv[0], &receive) != napi_ok || napi_get_value_uint32(env, argv[1], ssrc) != napi_ok) {
    napi_throw_type_error(env, "ERR_SRTP_ARGS", "(receive: boolean, ssrc: number)");
    return 0;
  }
  *session = receive ? c->rx : c->tx;
  return 1;
}

/* removeStream(receive, ssrc): forget one SSRC's state (the TypeScript side bounds how many are kept). */
static napi_value remove_stream(napi_env env, napi_callback_info info) {
  uint32_t ssrc;
  srtp_t session;
  if (!ssrc_args(env, info, &session, &ssrc)) return NULL;
  napi_value result;
  /* libsrtp looks streams up by the SSRC as it sits in the packet (network order). */
  int ok = session && srtp_remove_stream(session, htonl(ssrc)) == srtp_err_status_ok;
  CHECK(napi_get_boolean(env, ok, &result));
  return result;
}

/* roc(receive, ssrc): the stream's rollover counter, or -1 when libsrtp has no stream for it. */
static napi_value roc(napi_env env, napi_callback_info info) {
  uint32_t ssrc, value = 0;
  srtp_t session;
  if (!ssrc_args(env, info, &session, &ssrc)) return NULL;
  napi_value result;
  if (session && srtp_get_stream_roc(session, ssrc, &value) == srtp_err_status_ok) CHECK(napi_create_double(env, value, &result));
  else CHECK(napi_create_double(env, -1, &result));
  return result;
}

/* dispose(): free libsrtp's state (and its copy of the keys) now rather than at garbage collection. */
static napi_value dispose(napi_env env, napi_callback_info info) {
  napi_value self;
  Ctx *c;
  CHECK(napi_get_cb_info(env, info, NULL, NULL, &self, NULL));
  CHECK(napi_unwrap(env, self, (void **)&c));
  if (c->tx) srtp_dealloc(c->tx);
  if (c->rx) srtp_dealloc(c->rx);
  c->tx = NULL;
  c->rx = NULL;
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor methods[] = {
      {"protect", NULL, protect, NULL, NULL, NULL, napi_default, NULL},
      {"unprotect", NULL, unprotect, NULL, NULL, NULL, napi_default, NULL},
      {"protectRtcp", NULL, protect_rtcp, NULL, NULL, NULL, napi_default, NULL},
      {"unprotectRtcp", NULL, unprotect_rtcp, NULL, NULL, NULL, napi_default, NULL},
      {"removeStream", NULL, remove_stream, NULL, NULL, NULL, napi_default, NULL},
      {"roc", NULL, roc, NULL, NULL, NULL, napi_default, NULL},
      {"dispose", NULL, dispose, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_value cls, version;
  CHECK(napi_define_class(env, "NativeSrtp", NAPI_AUTO_LENGTH, construct, NULL, sizeof(methods) / sizeof(methods[0]), methods, &cls));
  CHECK(napi_set_named_property(env, exports, "NativeSrtp", cls));
  napi_value fn;
  CHECK(napi_create_function(env, "protectInPlace", NAPI_AUTO_LENGTH, protect_in_place, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "protectInPlace", fn));
  CHECK(napi_create_function(env, "unprotectInPlace", NAPI_AUTO_LENGTH, unprotect_in_place, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "unprotectInPlace", fn));
  napi_value hook;
  /* Static and never freed: the table outlives every thread that may call it (no finalizer). */
  CHECK(napi_create_external(env, (void *)&batch_protect_hook, NULL, NULL, &hook));
  CHECK(napi_set_named_property(env, exports, "batchProtectHook", hook));
  CHECK(napi_create_string_utf8(env, srtp_get_version_string(), NAPI_AUTO_LENGTH, &version));
  CHECK(napi_set_named_property(env, exports, "libsrtpVersion", version));
  /* Initialised here rather than at the first context so the HMAC in use can be reported. */
  pthread_once(&init_once, init_library);
  napi_value hmac;
  CHECK(napi_create_string_utf8(env, hmac_implementation, NAPI_AUTO_LENGTH, &hmac));
  CHECK(napi_set_named_property(env, exports, "libsrtpHmac", hmac));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
