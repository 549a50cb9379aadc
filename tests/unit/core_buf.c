/*
 * tests/unit/core_buf.c - core/buf.c: memory and file buffers, chains.
 */
#include "core/core.h"
#include "tests/tap.h"


int
main(void)
{
    hv_pool_t *pool;
    hv_buf_t *b, *f;
    hv_chain_t *cl, *cl2, *free;

    pool = hv_pool_create(1024, NULL);

    hv_tap_subtest("buffers");

    b = hv_buf_create(pool, 100);
    T_OK(b != NULL, "create");
    T_OK(b->pos == b->start && b->last == b->start, "empty at the start");
    T_IS_INT(b->end - b->start, 100, "100 bytes of room");
    T_IS_INT(b->fd, -1, "no file");
    T_OK(!b->in_file && !b->last_buf && !b->flush, "flags clear");
    memcpy(b->last, "hello", 5);
    b->last += 5;
    b->pos += 1;
    T_IS_INT(hv_buf_size(b), 4, "size is last - pos");

    f = hv_buf_calloc(pool);
    T_OK(f != NULL && f->start == NULL && f->fd == -1, "calloc: no memory");
    f->in_file = 1;
    f->file_pos = 10;
    f->file_last = 1010;
    T_IS_INT(hv_buf_size(f), 1000, "file buffer size");

    hv_tap_subtest("chains");

    cl = hv_chain_link(pool, b);
    cl2 = hv_chain_link(pool, f);
    T_OK(cl != NULL && cl->buf == b && cl->next == NULL, "link");
    cl->next = cl2;
    T_IS_INT(hv_chain_size(cl), 1004, "chain size sums both kinds");
    T_IS_INT(hv_chain_size(NULL), 0, "empty chain");

    hv_tap_subtest("fields set on reused pool memory");

    /* the constructors must not rely on zeroed memory */
    hv_pool_reset(pool);
    memset(hv_palloc(pool, 512), 0xff, 512);
    hv_pool_reset(pool);

    b = hv_buf_create(pool, 10);
    T_OK(b != NULL && b->start == b->pos && b->last == b->pos &&
             b->end == b->start + 10,
        "create: pointers");
    T_OK(b->fd == -1 && b->file_pos == 0 && b->file_last == 0 && !b->in_file &&
             !b->last_buf && !b->flush,
        "create: the rest clear");
    memset(b->start, 'x', 10);
    T_OK(b->fd == -1 && !b->in_file && !b->last_buf,
        "the bytes do not overlap the descriptor");

    f = hv_buf_calloc(pool);
    T_OK(f != NULL && f->pos == NULL && f->last == NULL && f->start == NULL &&
             f->end == NULL && f->fd == -1 && f->file_pos == 0 &&
             f->file_last == 0 && !f->in_file && !f->last_buf && !f->flush,
        "calloc: every field");

    b = hv_buf_create(pool, 4000);
    T_OK(b != NULL && b->end - b->start == 4000, "larger than a block");
    memset(b->start, 'y', 4000);
    T_OK(b->fd == -1 && !b->in_file, "its bytes are its own");

    hv_tap_subtest("a buffer with its spare link");

    hv_pool_reset(pool);
    memset(hv_palloc(pool, 512), 0xff, 512);
    hv_pool_reset(pool);

    cl2 = hv_chain_link(pool, NULL);
    free = cl2;
    b = hv_buf_create_linked(pool, 10, &free);
    T_OK(b != NULL && b->start == b->pos && b->last == b->pos &&
             b->end == b->start + 10 && b->fd == -1 && !b->in_file &&
             !b->last_buf && !b->flush && b->file_pos == 0,
        "10 bytes, every field set");
    T_OK(free != NULL && free->buf == b && free->next == cl2,
        "its link is pushed on the free list, before the old head");
    cl = free;
    memset(b->start, 'z', 10);
    T_OK(cl->buf == b && cl->next == cl2 && b->fd == -1,
        "the bytes overlap neither the link nor the descriptor");

    f = hv_buf_create_linked(pool, 0, &free);
    T_OK(f != NULL && f->pos == f->last && f->start == f->end && f->fd == -1,
        "0 bytes: an empty buffer");
    T_OK(free->buf == f && free->next == cl, "a second link on top");
    T_OK(hv_buf_create_linked(pool, SIZE_MAX - 8, &free) == NULL &&
             free->buf == f,
        "a size that overflows: NULL, the list untouched");

    hv_pool_destroy(pool);

    return hv_tap_done();
}
