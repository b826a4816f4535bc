/* pb.h: the protocol buffers wire format, enough to write a message.
 *
 * A nested message is built in a buffer of its own and appended with
 * pb_msg (its length must be known first).  Field numbers and types are
 * the caller's business; see export_pprof.c for profile.proto. */
#ifndef LENTO_PB_H
#define LENTO_PB_H

#include <stddef.h>
#include <stdint.h>

#include "../core/buf.h"

int pb_varint(buf *out, uint64_t v);
/* A varint field (wire type 0): int64, uint64, bool.  Negative int64
 * values are sign-extended to ten bytes, as the format says.  A zero is
 * not written: proto3 scalars default to it. */
int pb_uint(buf *out, uint32_t field, uint64_t v);
int pb_int(buf *out, uint32_t field, int64_t v);
/* A length-delimited field (wire type 2): a string, bytes or message. */
int pb_bytes(buf *out, uint32_t field, const void *data, size_t n);
int pb_msg(buf *out, uint32_t field, const buf *msg);
/* A packed repeated varint field from n values (nothing if n == 0). */
int pb_packed(buf *out, uint32_t field, const uint64_t *v, size_t n);

#endif
