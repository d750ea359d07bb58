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
 *     desc[5i .. 5i+4] = fd, IPv4 address (a.b.c.d as the int32 a<<24|b<<16|c<<8|d), port, length,
 *     status; packet i is buf[i*slotBytes .. +length). On return desc[5i+4] is the bytes sent, or
 *     -errno. Returns the number of packets not sent.
 *
 * Linux/Unix only (sockaddr_in, sendto); IPv6 and names stay on dgram. Bad arguments throw (a
 * programming error, once per tick); per-packet failures never throw.
 */
#include <node_api.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

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
      count < 0 || slot <= 0 || (size_t)count * 5 > desc_len || (size_t)count * (size_t)slot > buf_len) {
    napi_throw_type_error(env, "ERR_UDP_ARGS", "sendBatch(buf: Uint8Array, desc: Int32Array, count, slotBytes)");
    return NULL;
  }
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  int32_t failed = 0;
  for (int32_t i = 0; i < count; i++) {
    int32_t *d = desc + 5 * i;
    int32_t len = d[3];
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

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  if (napi_create_function(env, "sendBatch", NAPI_AUTO_LENGTH, send_batch, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "sendBatch", fn) != napi_ok) return NULL;
  napi_value eagain;
  napi_create_int32(env, EAGAIN, &eagain);
  napi_set_named_property(env, exports, "EAGAIN", eagain);
  napi_value enobufs;
  napi_create_int32(env, ENOBUFS, &enobufs);
  napi_set_named_property(env, exports, "ENOBUFS", enobufs);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
