/*
 * hushgate_udp: one N-API crossing per scheduler tick for the media path's UDP sends (issue 19).
 *
 * Why: per packet, dgram's send is mostly JavaScript machinery (argument validation, a SendWrap
 * object, the lookup, the C++ crossing), not the system call. The TypeScript side
 * (src/media/rtp/udp-batch.ts) builds a tick's packets into one preallocated buffer, one fixed-size
 * slot each, and describes them in an Int32Array; `sendBatch` sends them all with `sendto` on the
 * dgram sockets' own file descriptors (non-blocking: libuv made them so, MSG_DONTWAIT says it
 * again). Nothing is queued here: a packet the kernel refuses gets its negated errno in its
 * descriptor and the TypeScript side decides (retry through dgram on EAGAIN/ENOBUFS, count the rest).
 *
 *   sendBatch(buf: Uint8Array, desc: Int32Array, count: number, slotBytes: number): number
 *     desc[6i .. 6i+5] = fd, IPv4 address (a.b.c.d as the int32 a<<24|b<<16|c<<8|d), port, length,
 *     status, SRTP handle; packet i is buf[i*slotBytes .. +length). On return desc[6i+4] is the
 *     bytes sent, or -errno, or SRTP_FAILED + the protect's negative result (never sent).
 *     Returns the number of packets not sent.
 *
 * SRTP in the batch (native/srtp/batch_protect.h says why): a packet whose descriptor carries a
 * non-zero SRTP handle is protected in its slot by hushgate_srtp's protect before anything is sent
 * (all protects of the batch first, back to back, then all sends), its length in desc[6i+3]
 * becomes the SRTP length and its handle is cleared (so a retry sends the protected bytes and
 * nothing protects twice). A packet that cannot be protected — no hook set, the protect refused —
 * is not sent: an SRTP call never puts a clear packet on the wire.
 *
 *   setSrtpHook(hook: External): boolean   hushgate_srtp's `batchProtectHook` (process-wide; false: wrong ABI)
 *
 * Linux/Unix only (sockaddr_in, sendto); IPv6 and names stay on dgram. Bad arguments throw (a
 * programming error, once per tick); per-packet failures never throw.
 *
 * Receive (main thread only; src/media/rtp/udp-recv.ts): dgram makes a Buffer, an ArrayBuffer, an
 * rinfo object (the source address formatted to a string) and an 'message' emit per datagram.
 * Here a uv_poll on the RTP socket's descriptor (dgram's own reading stopped first, so libuv has
 * one watcher for it) reads with recvmmsg into one shared ring (64 slots × 2,048 bytes, allocated
 * by JS and held here by reference) and calls the socket's JS callback once per recvmmsg with
 * the count; desc[3i .. 3i+2] = length (−1: truncated), source IPv4 as int32, source port.
 *
 *   rxInit(ring: Uint8Array, desc: Int32Array, slotBytes: number): void   (once per thread)
 *   rxStart(fd: number, callback: (count: number) => void): External | null   (null: fd already polled)
 *   rxStop(handle): void   (stops and closes the poll; the handle must not be used again)
 *   rxSetSrtp(handle, srtpHandle): boolean   (open SRTP datagrams natively, see open_srtp; 0: off)
 *   rxRef(handle, on: boolean): void   (whether the poll keeps the loop alive: a parked pair's must not)
 */
#define _GNU_SOURCE /* recvmmsg */
#include <node_api.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <stdlib.h>
#include <uv.h>
#include "../srtp/batch_protect.h"

#define RX_SLOTS 64
#define STRIDE 6
/* Below every -errno: a packet the SRTP hook did not protect (see sendBatch). */
#define SRTP_FAILED (-100000)

/*
 * hushgate_srtp's table (setSrtpHook); one for the process: its functions find contexts per thread.
 * Every thread that uses it sets it (the same pointer), so it is read and written atomically.
 */
static const HushgateBatchProtect *srtp_hook_ptr;
static const HushgateBatchProtect *srtp_hook(void) { return __atomic_load_n(&srtp_hook_ptr, __ATOMIC_ACQUIRE); }

typedef struct {
  napi_ref ring_ref, desc_ref;
  uint8_t *ring;
  int32_t *desc;
  size_t slot;
} RxShared;

typedef struct {
  napi_env env;
  uv_poll_t poll;
  int fd;
  int closing;
  uint32_t srtp_handle; /* rxSetSrtp: open SRTP datagrams with this libsrtp context before JS sees them (0: off) */
  napi_ref cb;
  napi_async_context actx;
  RxShared *shared;
} Receiver;

/* One per thread that called rxInit (the addon's instance data). */
static RxShared *shared_of(napi_env env) {
  void *d = NULL;
  if (napi_get_instance_data(env, &d) != napi_ok) return NULL;
  return (RxShared *)d;
}

static int typed(napi_env env, napi_value v, napi_typedarray_type want, void **data, size_t *len) {
  bool is = false;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return 0;
  napi_typedarray_type type;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, v, &type, len, data, &ab, &off) != napi_ok) return 0;
  return type == want;
}

static napi_value send_batch(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  uint8_t *buf;
  int32_t *desc;
  size_t buf_len, desc_len;
  int32_t count, slot;
  if (argc < 4 || !typed(env, argv[0], napi_uint8_array, (void **)&buf, &buf_len) ||
      !typed(env, argv[1], napi_int32_array, (void **)&desc, &desc_len) ||
      napi_get_value_int32(env, argv[2], &count) != napi_ok || napi_get_value_int32(env, argv[3], &slot) != napi_ok ||
      count < 0 || slot <= 0 || (size_t)count * STRIDE > desc_len || (size_t)count * (size_t)slot > buf_len) {
    napi_throw_type_error(env, "ERR_UDP_ARGS", "sendBatch(buf: Uint8Array, desc: Int32Array, count, slotBytes)");
    return NULL;
  }
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  int32_t failed = 0;
  /* Protect first, all together: libsrtp's and OpenSSL's code stays hot across the batch. */
  const HushgateBatchProtect *hook = srtp_hook();
  for (int32_t i = 0; i < count; i++) {
    int32_t *d = desc + STRIDE * i;
    d[4] = 0;
    if (d[5] == 0) continue;
    int32_t n = d[3] < 0 || d[3] > slot ? -EINVAL : hook == NULL ? -1 : hook->protect((uint32_t)d[5], buf + (size_t)i * (size_t)slot, (size_t)d[3], (size_t)slot);
    if (n < 0) d[4] = SRTP_FAILED + (n < SRTP_FAILED / 2 ? SRTP_FAILED / 2 : n);
    else d[3] = n;
    d[5] = 0;
  }
  for (int32_t i = 0; i < count; i++) {
    int32_t *d = desc + STRIDE * i;
    int32_t len = d[3];
    if (d[4] < 0) {
      failed++;
      continue;
    }
    if (d[0] < 0 || len < 0 || len > slot || d[2] <= 0 || d[2] > 65535) {
      d[4] = -EINVAL;
      failed++;
      continue;
    }
    sa.sin_addr.s_addr = htonl((uint32_t)d[1]);
    sa.sin_port = htons((uint16_t)d[2]);
    ssize_t n;
    do {
      n = sendto(d[0], buf + (size_t)i * (size_t)slot, (size_t)len, MSG_DONTWAIT, (struct sockaddr *)&sa, sizeof sa);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      d[4] = -errno;
      failed++;
    } else {
      d[4] = (int32_t)n;
    }
  }
  napi_value result;
  napi_create_int32(env, failed, &result);
  return result;
}

static void rx_shared_free(napi_env env, void *data, void *hint) {
  (void)hint;
  RxShared *s = data;
  if (s->ring_ref) napi_delete_reference(env, s->ring_ref);
  if (s->desc_ref) napi_delete_reference(env, s->desc_ref);
  free(s);
}

static napi_value rx_init(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  uint8_t *ring;
  int32_t *desc;
  size_t ring_len, desc_len;
  int32_t slot;
  if (argc < 3 || !typed(env, argv[0], napi_uint8_array, (void **)&ring, &ring_len) ||
      !typed(env, argv[1], napi_int32_array, (void **)&desc, &desc_len) || napi_get_value_int32(env, argv[2], &slot) != napi_ok ||
      slot < 1500 || ring_len < (size_t)RX_SLOTS * (size_t)slot || desc_len < 3 * RX_SLOTS || shared_of(env) != NULL) {
    napi_throw_type_error(env, "ERR_UDP_ARGS", "rxInit(ring: Uint8Array >= 64 x slot, desc: Int32Array >= 192, slotBytes >= 1500), once");
    return NULL;
  }
  RxShared *s = calloc(1, sizeof *s);
  if (!s) {
    napi_throw_error(env, "ERR_UDP_NOMEM", "out of memory");
    return NULL;
  }
  s->ring = ring;
  s->desc = desc;
  s->slot = (size_t)slot;
  /* Held for the thread's life: the pointers above stay valid (off-heap, never detached by us). */
  napi_create_reference(env, argv[0], 1, &s->ring_ref);
  napi_create_reference(env, argv[1], 1, &s->desc_ref);
  if (napi_set_instance_data(env, s, rx_shared_free, NULL) != napi_ok) {
    rx_shared_free(env, s, NULL);
    napi_throw_error(env, "ERR_UDP_NATIVE", "napi_set_instance_data failed");
    return NULL;
  }
  return NULL;
}

/*
 * An SRTP datagram opened where it lies in the ring: the RTP length, or SRTP_FAILED + the libsrtp
 * result (refused: never handed on as RTP). RTCP multiplexed on the RTP port (second byte 192–223,
 * RFC 5761) is left as it came, for the JavaScript side's SRTCP path, as before.
 */
static int32_t open_srtp(uint32_t handle, uint8_t *p, int32_t len, size_t cap) {
  if (len >= 2 && p[1] >= 192 && p[1] <= 223) return len;
  const HushgateBatchProtect *hook = srtp_hook();
  int32_t n = len < 12 || hook == NULL || hook->unprotect == NULL ? -1000 : hook->unprotect(handle, p, (size_t)len, cap);
  return n >= 0 ? n : SRTP_FAILED + (n < SRTP_FAILED / 2 ? SRTP_FAILED / 2 : n);
}

static void on_readable(uv_poll_t *h, int status, int events) {
  (void)events;
  Receiver *r = h->data;
  RxShared *s = r->shared;
  if (status < 0 && !r->closing) {
    /* libuv stops a poll on POLLERR (a queued socket error): clear the error and watch again, or
     * the socket would go silent. (Unconnected UDP sockets without IP_RECVERR should not get one.) */
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(r->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    uv_poll_start(&r->poll, UV_READABLE, on_readable);
  }
  struct mmsghdr msgs[RX_SLOTS];
  struct iovec iov[RX_SLOTS];
  struct sockaddr_in from[RX_SLOTS];
  for (int round = 0; round < 8 && !r->closing; round++) {
    for (int i = 0; i < RX_SLOTS; i++) {
      iov[i].iov_base = s->ring + (size_t)i * s->slot;
      iov[i].iov_len = s->slot;
      memset(&msgs[i].msg_hdr, 0, sizeof msgs[i].msg_hdr);
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_name = &from[i];
      msgs[i].msg_hdr.msg_namelen = sizeof from[i];
      msgs[i].msg_len = 0;
    }
    int n = recvmmsg(r->fd, msgs, RX_SLOTS, MSG_DONTWAIT, NULL);
    if (n < 0) {
      if (errno == EINTR || errno == ECONNREFUSED) continue; /* an ICMP error is reported once; read on */
      return; /* EAGAIN: drained */
    }
    if (n == 0) return;
    for (int i = 0; i < n; i++) {
      int32_t *d = s->desc + 3 * i;
      int truncated = (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) != 0 || from[i].sin_family != AF_INET;
      d[0] = truncated ? -1 : (int32_t)msgs[i].msg_len;
      d[1] = (int32_t)ntohl(from[i].sin_addr.s_addr);
      d[2] = (int32_t)ntohs(from[i].sin_port);
      if (r->srtp_handle != 0 && !truncated) d[0] = open_srtp(r->srtp_handle, s->ring + (size_t)i * s->slot, d[0], s->slot);
    }
    napi_env env = r->env;
    napi_handle_scope scope;
    if (napi_open_handle_scope(env, &scope) != napi_ok) return;
    napi_value cb, recv, argv[1], result;
    napi_get_reference_value(env, r->cb, &cb);
    napi_get_global(env, &recv); /* napi_make_callback wants an object receiver */
    napi_create_int32(env, n, &argv[0]);
    napi_status st = napi_make_callback(env, r->actx, recv, cb, 1, argv, &result);
    if (st == napi_pending_exception) {
      napi_value e;
      napi_get_and_clear_last_exception(env, &e);
      napi_fatal_exception(env, e); /* as an exception in a dgram 'message' listener would be */
    }
    napi_close_handle_scope(env, scope);
    if (n < RX_SLOTS) return;
  }
}

static void on_closed(uv_handle_t *h) {
  Receiver *r = h->data;
  napi_delete_reference(r->env, r->cb);
  napi_async_destroy(r->env, r->actx);
  free(r);
}

static napi_value rx_start(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  int32_t fd;
  napi_valuetype t;
  RxShared *s = shared_of(env);
  if (argc < 2 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0 || napi_typeof(env, argv[1], &t) != napi_ok ||
      t != napi_function || s == NULL) {
    napi_throw_type_error(env, "ERR_UDP_ARGS", "rxStart(fd, callback) after rxInit");
    return NULL;
  }
  uv_loop_t *loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return NULL;
  Receiver *r = calloc(1, sizeof *r);
  if (!r) {
    napi_throw_error(env, "ERR_UDP_NOMEM", "out of memory");
    return NULL;
  }
  r->env = env;
  r->fd = fd;
  r->shared = s;
  napi_value null_result;
  napi_get_null(env, &null_result);
  /* EEXIST: libuv still watches the descriptor (dgram reading, or a queued send): stay on dgram. */
  if (uv_poll_init(loop, &r->poll, fd) != 0) {
    free(r);
    return null_result;
  }
  r->poll.data = r;
  napi_value resource, name;
  napi_create_object(env, &resource);
  napi_create_string_utf8(env, "hushgate.rtpReceive", NAPI_AUTO_LENGTH, &name);
  if (napi_async_init(env, resource, name, &r->actx) != napi_ok || napi_create_reference(env, argv[1], 1, &r->cb) != napi_ok ||
      uv_poll_start(&r->poll, UV_READABLE, on_readable) != 0) {
    r->closing = 1;
    uv_close((uv_handle_t *)&r->poll, on_closed);
    return null_result;
  }
  napi_value ext;
  napi_create_external(env, r, NULL, NULL, &ext);
  return ext;
}

/* The pointer an External argument carries, or NULL when it is not one. */
static void *external_arg(napi_env env, napi_value v) {
  void *p = NULL;
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external || napi_get_value_external(env, v, &p) != napi_ok) return NULL;
  return p;
}

/* rxSetSrtp(handle, srtpHandle): open this receiver's SRTP datagrams natively with that context (0: stop). False: no SRTP hook. */
static napi_value rx_set_srtp(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], result;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  uint32_t srtp = 0;
  Receiver *r = argc < 2 ? NULL : external_arg(env, argv[0]);
  if (!r || napi_get_value_uint32(env, argv[1], &srtp) != napi_ok) {
    napi_throw_type_error(env, "ERR_UDP_ARGS", "rxSetSrtp(handle, srtpHandle)");
    return NULL;
  }
  int ok = !r->closing && (srtp == 0 || (srtp_hook() != NULL && srtp_hook()->unprotect != NULL));
  if (ok) r->srtp_handle = srtp;
  napi_get_boolean(env, ok, &result);
  return result;
}

static napi_value rx_stop(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  Receiver *r = argc < 1 ? NULL : external_arg(env, argv[0]);
  if (!r) {
    napi_throw_type_error(env, "ERR_UDP_ARGS", "rxStop(handle)");
    return NULL;
  }
  if (r->closing) return NULL;
  r->closing = 1;
  uv_poll_stop(&r->poll);
  uv_close((uv_handle_t *)&r->poll, on_closed);
  return NULL;
}

/* rxRef(handle, on): uv_ref/uv_unref the poll (a parked RTP pair is read but must not keep a stopping process alive). */
static napi_value rx_ref(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  bool on = false;
  Receiver *r = argc < 2 ? NULL : external_arg(env, argv[0]);
  if (!r || napi_get_value_bool(env, argv[1], &on) != napi_ok) {
    napi_throw_type_error(env, "ERR_UDP_ARGS", "rxRef(handle, on)");
    return NULL;
  }
  if (r->closing) return NULL;
  if (on) uv_ref((uv_handle_t *)&r->poll);
  else uv_unref((uv_handle_t *)&r->poll);
  return NULL;
}

static napi_value set_srtp_hook(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  const HushgateBatchProtect *hook = argc < 1 ? NULL : external_arg(env, argv[0]);
  if (!hook) {
    napi_throw_type_error(env, "ERR_UDP_ARGS", "setSrtpHook(hook: External)");
    return NULL;
  }
  int ok = hook->abi == HUSHGATE_BATCH_PROTECT_ABI && hook->protect != NULL;
  if (ok) __atomic_store_n(&srtp_hook_ptr, hook, __ATOMIC_RELEASE);
  napi_get_boolean(env, ok, &result);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  if (napi_create_function(env, "setSrtpHook", NAPI_AUTO_LENGTH, set_srtp_hook, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "setSrtpHook", fn) != napi_ok) return NULL;
  if (napi_create_function(env, "sendBatch", NAPI_AUTO_LENGTH, send_batch, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "sendBatch", fn) != napi_ok) return NULL;
  if (napi_create_function(env, "rxInit", NAPI_AUTO_LENGTH, rx_init, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "rxInit", fn) != napi_ok) return NULL;
  if (napi_create_function(env, "rxStart", NAPI_AUTO_LENGTH, rx_start, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "rxStart", fn) != napi_ok) return NULL;
  if (napi_create_function(env, "rxSetSrtp", NAPI_AUTO_LENGTH, rx_set_srtp, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "rxSetSrtp", fn) != napi_ok) return NULL;
  if (napi_create_function(env, "rxStop", NAPI_AUTO_LENGTH, rx_stop, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "rxStop", fn) != napi_ok) return NULL;
  if (napi_create_function(env, "rxRef", NAPI_AUTO_LENGTH, rx_ref, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "rxRef", fn) != napi_ok) return NULL;
  napi_value eagain;
  napi_create_int32(env, EAGAIN, &eagain);
  napi_set_named_property(env, exports, "EAGAIN", eagain);
  napi_value srtp_failed;
  napi_create_int32(env, SRTP_FAILED, &srtp_failed);
  napi_set_named_property(env, exports, "SRTP_FAILED", srtp_failed);
  napi_value enobufs;
  napi_create_int32(env, ENOBUFS, &enobufs);
  napi_set_named_property(env, exports, "ENOBUFS", enobufs);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
