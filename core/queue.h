/*
 * core/queue.h - an intrusive circular doubly linked list.
 *
 * The sentinel is an hv_queue_t whose prev and next point at itself when
 * empty; elements embed an hv_queue_t and are found again with
 * hv_queue_data().  Used for idle keep-alive connections and posted events,
 * where O(1) removal from the middle matters.
 */
#ifndef HV_QUEUE_H
#define HV_QUEUE_H

typedef struct hv_queue_s hv_queue_t;

struct hv_queue_s {
    hv_queue_t *prev;
    hv_queue_t *next;
};

static inline void
hv_queue_init(hv_queue_t *q)
{
    q->prev = q;
    q->next = q;
}

static inline bool
hv_queue_empty(const hv_queue_t *q)
{
    return q->next == q;
}

/* Inserts x at the tail of q. */
static inline void
hv_queue_insert_tail(hv_queue_t *q, hv_queue_t *x)
{
    x->prev = q->prev;
    x->next = q;
    q->prev->next = x;
    q->prev = x;
}

/* Unlinks x; x points at itself afterwards so removing twice is safe. */
static inline void
hv_queue_remove(hv_queue_t *x)
{
    x->next->prev = x->prev;
    x->prev->next = x->next;
    x->prev = x;
    x->next = x;
}

#define hv_queue_head(q) ((q)->next)
#define hv_queue_data(q, type, field) \
    ((type *) (void *) ((unsigned char *) (q) -offsetof(type, field)))

#endif /* HV_QUEUE_H */
