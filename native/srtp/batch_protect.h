/*
 * The C interface between the two addons for protecting a send batch and opening received
 * packets natively (issue 19).
 *
 * Why: on a busy gateway each call's SRTP state is cold in the cache by the time its next packet
 * is protected, and so is libsrtp's and OpenSSL's code when the session's own work ran in
 * between (measured in a 400-context simulation: ≈ 7 µs per protect + unprotect interleaved with
 * other work, ≈ 4 µs with the protects run back to back). So the native UDP batch (native/udp)
 * protects a tick's packets in one loop right before it sends them, calling hushgate_srtp's
 * protect through this table instead of one N-API call per packet from the session.
 *
 * hushgate_srtp exports the table as an External (`batchProtectHook`); hushgate_udp takes it once
 * with `setSrtpHook` and checks `abi`. `protect` runs on the calling thread and finds the context
 * in that thread's handle table (srtp_addon.c "Handles"): a media worker's batch protects with the
 * contexts that worker made. It protects buf[0..len) in place and returns the SRTP length, or a
 * negative value (-(srtp_err_status_t), or -1000: no such handle, disposed, or not `cap` bytes of
 * room for the tag); it never writes past buf[cap). `unprotect` opens an SRTP packet received into
 * the native receive ring the same way (authenticates, checks replay, decrypts in place) and returns
 * the RTP length or a negative value as above: the receive path then hands JavaScript the opened
 * packet, without one N-API call per packet to open it.
 */
#ifndef HUSHGATE_BATCH_PROTECT_H
#define HUSHGATE_BATCH_PROTECT_H
#include <stddef.h>
#include <stdint.h>

#define HUSHGATE_BATCH_PROTECT_ABI 0x48475031u /* "HGP1" */

typedef struct {
  uint32_t abi;
  int32_t (*protect)(uint32_t handle, uint8_t *buf, size_t len, size_t cap);
  int32_t (*unprotect)(uint32_t handle, uint8_t *buf, size_t len, size_t cap);
} HushgateBatchProtect;

#endif
