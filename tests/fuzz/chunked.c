/*
 * tests/fuzz/chunked.c - the chunked-body decoder hv_http_parse_chunked()
 * (http/parse_chunked.c).
 *
 * Input: two bytes choosing a split offset k, then the body.  The body is
 * decoded whole, split at k (the first k bytes in a buffer of their own,
 * the rest in a second one, as two reads), and a byte at a time; every
 * way must give the same verdict, the same data bytes, the same total and
 * the same end of body.  On the way, ctx->length (the fewest bytes still
 * certainly part of the body) must never exceed what the body really
 * still holds: a server reading that much can never swallow a pipelined
 * request; and the data sizes handed out must add up to ctx->total.
 */
#include "http/http.h"
#include "tests/fuzz/fuzz.h"


typedef struct {
    hv_http_chunked_t ctx;
    int rc;         /* the verdict: HV_DONE, 400, HV_AGAIN */
    uint64_t hash;  /* FNV-1a of the data bytes */
    off_t data;     /* data bytes handed out */
    size_t used;    /* input bytes consumed */
    size_t nlength; /* (used, length) pairs recorded */
    size_t *at;
    off_t *length;
} hv_fuzz_ch_t;


static void
hv_fuzz_ch_init(hv_fuzz_ch_t *s, size_t len)
{
    memset(s, 0, sizeof(hv_fuzz_ch_t));
    s->rc = HV_AGAIN;
    s->hash = 0xcbf29ce484222325ULL;
    s->at = calloc(len + 2, sizeof(size_t));
    s->length = calloc(len + 2, sizeof(off_t));
    if (s->at == NULL || s->length == NULL) {
        abort();
    }
}


/* Decodes one read of len bytes; stops at a verdict or when it runs out. */
static void
hv_fuzz_ch_feed(hv_fuzz_ch_t *s, const uint8_t *data, size_t len)
{
    unsigned char *buf, *p;
    hv_buf_t b;
    size_t n;
    int rc;

    if (s->rc != HV_AGAIN) {
        return;
    }

    buf = hv_fuzz_copy(data, len);
    memset(&b, 0, sizeof(b));
    b.start = buf;
    b.pos = buf;
    b.last = buf + len;
    b.end = buf + len;

    for (;;) {
        rc = hv_http_parse_chunked(&s->ctx, &b);

        HV_FUZZ_CHECK(b.pos >= buf && b.pos <= b.last, "b->pos out of range");

        if (rc != HV_OK) {
            break;
        }

        HV_FUZZ_CHECK(
            s->ctx.size > 0, "HV_OK with size %lld", (long long) s->ctx.size);

        /* the caller's part: take the data that arrived */
        n = (size_t) (b.last - b.pos);
        if ((off_t) n > s->ctx.size) {
            n = (size_t) s->ctx.size;
        }
        for (p = b.pos; p < b.pos + n; p++) {
            s->hash = (s->hash ^ *p) * 0x100000001b3ULL;
        }
        s->data += (off_t) n;
        s->ctx.size -= (off_t) n;
        b.pos += n;
    }

    s->used += (size_t) (b.pos - buf);
    s->rc = rc;

    if (rc == HV_AGAIN) {
        HV_FUZZ_CHECK(s->ctx.length >= 1, "length %lld before the end",
            (long long) s->ctx.length);
        s->at[s->nlength] = s->used;
        s->length[s->nlength++] = s->ctx.length;
    }

    free(buf);
}


/* The end of the body, once known, bounds every length promised. */
static void
hv_fuzz_ch_check(const hv_fuzz_ch_t *s, const char *how)
{
    size_t i;

    if (s->rc == HV_DONE) {
        HV_FUZZ_CHECK(s->data == s->ctx.total,
            "%s: %lld data bytes, total "
            "%lld",
            how, (long long) s->data, (long long) s->ctx.total);
    }

    for (i = 0; s->rc == HV_DONE && i < s->nlength; i++) {
        HV_FUZZ_CHECK((off_t) (s->used - s->at[i]) >= s->length[i],
            "%s: length %lld promised at %zu, the body ended %zu later", how,
            (long long) s->length[i], s->at[i], s->used - s->at[i]);
    }
}


static bool
hv_fuzz_ch_same(const hv_fuzz_ch_t *a, const hv_fuzz_ch_t *b)
{
    return a->rc == b->rc && a->hash == b->hash && a->data == b->data &&
           (a->rc != HV_DONE ||
               (a->used == b->used && a->ctx.total == b->ctx.total));
}


int
hv_fuzz_chunked(const uint8_t *data, size_t size)
{
    hv_fuzz_ch_t whole, split, trickle;
    size_t k, i;

    k = hv_fuzz_take_split(&data, &size);
    if (k == SIZE_MAX) {
        return 0;
    }

    hv_fuzz_ch_init(&whole, size);
    hv_fuzz_ch_init(&split, size);
    hv_fuzz_ch_init(&trickle, size);

    hv_fuzz_ch_feed(&whole, data, size);

    hv_fuzz_ch_feed(&split, data, k);
    hv_fuzz_ch_feed(&split, data + split.used, size - split.used);

    for (i = 0; i < size; i++) {
        hv_fuzz_ch_feed(&trickle, data + trickle.used, 1);
    }

    HV_FUZZ_CHECK(hv_fuzz_ch_same(&whole, &split),
        "split at %zu: verdict %d/%d, data %lld/%lld", k, whole.rc, split.rc,
        (long long) whole.data, (long long) split.data);
    HV_FUZZ_CHECK(hv_fuzz_ch_same(&whole, &trickle),
        "a byte at a time: verdict %d/%d, data %lld/%lld", whole.rc, trickle.rc,
        (long long) whole.data, (long long) trickle.data);
    HV_FUZZ_CHECK(
        whole.rc == HV_DONE || whole.rc == HV_AGAIN || whole.rc == 400,
        "unexpected verdict %d", whole.rc);

    hv_fuzz_ch_check(&split, "split");
    hv_fuzz_ch_check(&trickle, "trickle");

    free(whole.at);
    free(whole.length);
    free(split.at);
    free(split.length);
    free(trickle.at);
    free(trickle.length);

    return 0;
}


#ifndef HV_FUZZ_REPLAY

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return hv_fuzz_chunked(data, size);
}

#endif
