/*
 * core/buf.c - buffers and chain links (see buf.h).
 */
#include "core/core.h"


hv_buf_t *
hv_buf_calloc(hv_pool_t *pool)
{
    hv_buf_t *b;

    b = hv_pcalloc(pool, sizeof(hv_buf_t));
    if (b == NULL) {
        return NULL;
    }

    b->fd = -1;

    return b;
}


hv_buf_t *
hv_buf_create(hv_pool_t *pool, size_t size)
{
    hv_buf_t *b;

    b = hv_buf_calloc(pool);
    if (b == NULL) {
        return NULL;
    }

    /* Byte data needs no alignment; hv_pnalloc() wastes no padding. */
    b->start = hv_pnalloc(pool, size);
    if (b->start == NULL) {
        return NULL;
    }

    b->pos = b->start;
    b->last = b->start;
    b->end = b->start + size;

    return b;
}


hv_chain_t *
hv_chain_link(hv_pool_t *pool, hv_buf_t *buf)
{
    hv_chain_t *cl;

    cl = hv_palloc(pool, sizeof(hv_chain_t));
    if (cl == NULL) {
        return NULL;
    }

    cl->buf = buf;
    cl->next = NULL;

    return cl;
}


off_t
hv_chain_size(const hv_chain_t *cl)
{
    off_t size;

    size = 0;

    for (; cl != NULL; cl = cl->next) {
        size += hv_buf_size(cl->buf);
    }

    return size;
}


hv_chain_t *
hv_chain_skip_empty(hv_chain_t *in)
{
    while (in != NULL && hv_buf_size(in->buf) == 0) {
        in = in->next;
    }

    return in;
}


hv_chain_t *
hv_chain_advance(hv_chain_t *in, off_t n)
{
    hv_buf_t *b;
    off_t size;

    for (; in != NULL; in = in->next) {
        b = in->buf;
        size = hv_buf_size(b);

        if (n < size) {
            if (b->in_file) {
                b->file_pos += n;
            } else {
                b->pos += n;
            }
            return in;
        }

        n -= size;

        if (b->in_file) {
            b->file_pos = b->file_last;
        } else {
            b->pos = b->last;
        }
    }

    return NULL;
}
