/* pb.c: protobuf wire-format writer (see pb.h). */
#include "pb.h"

enum { WIRE_VARINT = 0, WIRE_LEN = 2 };

int pb_varint(buf *out, uint64_t v)
{
    unsigned char b[10];
    int n = 0;
    do {
        b[n] = (unsigned char)(v & 0x7F);
        v >>= 7;
        if (v)
            b[n] |= 0x80;
        n++;
    } while (v);
    return buf_add(out, b, (size_t)n);
}

static int key(buf *out, uint32_t field, int wire)
{
    return pb_varint(out, (uint64_t)field << 3 | (uint64_t)wire);
}

int pb_uint(buf *out, uint32_t field, uint64_t v)
{
    int rc;
    if (v == 0)
        return 0;
    if ((rc = key(out, field, WIRE_VARINT)) < 0)
        return rc;
    return pb_varint(out, v);
}

int pb_int(buf *out, uint32_t field, int64_t v)
{
    return pb_uint(out, field, (uint64_t)v);
}

int pb_bytes(buf *out, uint32_t field, const void *data, size_t n)
{
    int rc;
    if ((rc = key(out, field, WIRE_LEN)) < 0 ||
        (rc = pb_varint(out, n)) < 0)
        return rc;
    return buf_add(out, data, n);
}

int pb_msg(buf *out, uint32_t field, const buf *msg)
{
    return pb_bytes(out, field, msg->data, msg->len);
}

int pb_packed(buf *out, uint32_t field, const uint64_t *v, size_t n)
{
    if (n == 0)
        return 0;
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t x = v[i];
        do {
            len++;
            x >>= 7;
        } while (x);
    }
    int rc;
    if ((rc = key(out, field, WIRE_LEN)) < 0 ||
        (rc = pb_varint(out, len)) < 0)
        return rc;
    for (size_t i = 0; i < n; i++)
        if ((rc = pb_varint(out, v[i])) < 0)
            return rc;
    return 0;
}
