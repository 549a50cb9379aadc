/*
 * core/buf.h - buffers and buffer chains for the input and output paths.
 *
 * A buffer describes either bytes in memory (pos..last inside start..end)
 * or a range of an open file (file_pos..file_last of fd), never both.
 * Output is a linked chain of buffers that the writer sends with
 * writev() and sendfile().  Buffers and chain links come from a pool; a
 * buffer never owns the file descriptor it points to (a pool cleanup
 * does).
 */
#ifndef HV_BUF_H
#define HV_BUF_H

struct hv_buf_s {
    unsigned char *pos;   /* first byte not yet consumed / sent */
    unsigned char *last;  /* one past the last byte of data */
    unsigned char *start; /* start of the allocated memory */
    unsigned char *end;   /* one past the end of the allocated memory */

    int fd;          /* file to send from when in_file, else -1 */
    off_t file_pos;  /* next file byte to send */
    off_t file_last; /* one past the last file byte to send */

    unsigned in_file:1;  /* the data is file_pos..file_last of fd */
    unsigned last_buf:1; /* the last buffer of a response body */
    unsigned flush:1;    /* send everything up to here now */
};

struct hv_chain_s {
    hv_buf_t *buf;
    hv_chain_t *next;
};

/* Creates a memory buffer of `size` bytes (pos = last = start). */
hv_buf_t *hv_buf_create(hv_pool_t *pool, size_t size);

/* Creates an empty buffer descriptor (no memory, fd -1). */
hv_buf_t *hv_buf_calloc(hv_pool_t *pool);

/* Sets b over the size bytes that follow it in memory. */
static inline void
hv_buf_init_after(hv_buf_t *b, size_t size)
{
    unsigned char *p = (unsigned char *) (b + 1);

    *b = (hv_buf_t){
        .pos = p, .last = p, .start = p, .end = p + size, .fd = -1
    };
}

/*
 * Creates a memory buffer of `size` bytes (0: an empty one) and, in the
 * same allocation, a link to it that is pushed on *free; NULL on failure.
 * A writer that takes its links from that list (the HTTP writer's
 * r->free_out) then queues the buffer without a pool call.  Inline, as
 * hv_chain_link() below.  callgrind, keep-alive /pid, two per response:
 * ~25 instructions less each than a buffer and a link apart, and ~15
 * more than the call.
 */
static inline hv_buf_t *
hv_buf_create_linked(hv_pool_t *pool, size_t size, hv_chain_t **free)
{
    hv_chain_t *cl;
    hv_buf_t *b;

    if (size > SIZE_MAX - sizeof(hv_chain_t) - sizeof(hv_buf_t)) {
        return NULL;
    }

    cl = hv_palloc(pool, sizeof(hv_chain_t) + sizeof(hv_buf_t) + size);
    if (cl == NULL) {
        return NULL;
    }

    b = (hv_buf_t *) (cl + 1);
    hv_buf_init_after(b, size);

    cl->buf = b;
    cl->next = *free;
    *free = cl;

    return b;
}

/*
 * Allocates a chain link pointing at buf; NULL on failure.  Inline, as
 * hv_chain_skip_empty() below: the writer calls both for every response,
 * and the call cost more than the work.
 */
static inline hv_chain_t *
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

/* Bytes the buffer still holds to send or consume. */
static inline off_t
hv_buf_size(const hv_buf_t *b)
{
    if (b->in_file) {
        return b->file_last - b->file_pos;
    }
    return b->last - b->pos;
}

/* Sum of hv_buf_size() over a chain. */
off_t hv_chain_size(const hv_chain_t *cl);

/* The first link of the chain with bytes left (NULL: none). */
static inline hv_chain_t *
hv_chain_skip_empty(hv_chain_t *in)
{
    while (in != NULL && hv_buf_size(in->buf) == 0) {
        in = in->next;
    }

    return in;
}

/*
 * Moves the chain's positions past n sent bytes (the socket writers of
 * event/io.c and of TLS); returns the first link with bytes left (or an
 * empty link after them, or NULL).
 */
hv_chain_t *hv_chain_advance(hv_chain_t *in, off_t n);

#endif /* HV_BUF_H */
