/*
 * event/timer.c - timers as a binary min-heap of events keyed by expiry.
 *
 * Every event keeps its own position (ev->timer_index), so deleting or
 * re-arming a timer in the middle of the heap is O(log n) without a
 * search; the earliest expiry is always heap[0], so the loop learns how
 * long it may sleep in O(1).  A keep-alive connection re-arms its timer
 * on every request; a heap does that with a few swaps and no allocation,
 * which is why it was chosen over a balanced tree.
 *
 * The heap is process-wide event loop state.  It grows by doubling with
 * realloc() and never shrinks; a worker needs about two slots per
 * connection.
 */
#include "event/event_internal.h"


#define HV_TIMER_HEAP_MIN 64


static hv_event_t **hv_timer_heap;
static hv_uint_t hv_timer_n;
static hv_uint_t hv_timer_cap;
static hv_log_t *hv_timer_log;


static bool hv_timer_grow(void);
static void hv_timer_place(hv_uint_t i, hv_event_t *ev);
static void hv_timer_sift_up(hv_uint_t i);
static void hv_timer_sift_down(hv_uint_t i);
static void hv_timer_fix(hv_uint_t i);


int
hv_event_timer_init(hv_log_t *log)
{
    hv_timer_log = log;
    hv_timer_n = 0;

    if (hv_timer_heap != NULL) {
        return HV_OK;
    }

    hv_timer_heap = malloc(HV_TIMER_HEAP_MIN * sizeof(hv_event_t *));
    if (hv_timer_heap == NULL) {
        hv_log_error(HV_LOG_EMERG, log, errno, "malloc(%zu) failed",
            HV_TIMER_HEAP_MIN * sizeof(hv_event_t *));
        return HV_ERROR;
    }

    hv_timer_cap = HV_TIMER_HEAP_MIN;

    return HV_OK;
}


void
hv_event_timer_done(void)
{
    hv_uint_t i;

    for (i = 0; i < hv_timer_n; i++) {
        hv_timer_heap[i]->timer_set = 0;
    }

    free(hv_timer_heap);
    hv_timer_heap = NULL;
    hv_timer_n = 0;
    hv_timer_cap = 0;
}


static bool
hv_timer_grow(void)
{
    hv_event_t **heap;
    hv_uint_t cap;

    cap = hv_timer_cap != 0 ? hv_timer_cap * 2 : HV_TIMER_HEAP_MIN;

    heap = realloc(hv_timer_heap, cap * sizeof(hv_event_t *));
    if (heap == NULL) {
        hv_log_error(HV_LOG_CRIT, hv_timer_log, errno,
            "realloc(%zu) of the timer heap failed",
            cap * sizeof(hv_event_t *));
        return false;
    }

    hv_timer_heap = heap;
    hv_timer_cap = cap;

    return true;
}


static void
hv_timer_place(hv_uint_t i, hv_event_t *ev)
{
    hv_timer_heap[i] = ev;
    ev->timer_index = i;
}


static void
hv_timer_sift_up(hv_uint_t i)
{
    hv_event_t *ev = hv_timer_heap[i];
    hv_uint_t parent;

    while (i > 0) {
        parent = (i - 1) / 2;
        if (hv_timer_heap[parent]->timer <= ev->timer) {
            break;
        }
        hv_timer_place(i, hv_timer_heap[parent]);
        i = parent;
    }

    hv_timer_place(i, ev);
}


static void
hv_timer_sift_down(hv_uint_t i)
{
    hv_event_t *ev = hv_timer_heap[i];
    hv_uint_t child;

    for (;;) {
        child = 2 * i + 1;
        if (child >= hv_timer_n) {
            break;
        }
        if (child + 1 < hv_timer_n &&
            hv_timer_heap[child + 1]->timer < hv_timer_heap[child]->timer) {
            child++;
        }
        if (ev->timer <= hv_timer_heap[child]->timer) {
            break;
        }
        hv_timer_place(i, hv_timer_heap[child]);
        i = child;
    }

    hv_timer_place(i, ev);
}


/* Restores the heap after heap[i]'s key changed either way. */
static void
hv_timer_fix(hv_uint_t i)
{
    if (i > 0 && hv_timer_heap[(i - 1) / 2]->timer > hv_timer_heap[i]->timer) {
        hv_timer_sift_up(i);
    } else {
        hv_timer_sift_down(i);
    }
}


void
hv_event_add_timer(hv_event_t *ev, hv_msec_t msec)
{
    hv_msec_t key = hv_current_msec + msec;

    if (ev->timer_set) {
        if (ev->timer != key) {
            ev->timer = key;
            hv_timer_fix(ev->timer_index);
        }
        return;
    }

    if (hv_timer_n == hv_timer_cap && !hv_timer_grow()) {
        /*
         * Out of memory: a timer that cannot be kept fires at once, so
         * the connection ends instead of hanging forever unwatched.
         */
        ev->timedout = 1;
        hv_post_event(ev, &hv_posted_events);
        return;
    }

    ev->timer = key;
    ev->timer_set = 1;
    hv_timer_place(hv_timer_n++, ev);
    hv_timer_sift_up(ev->timer_index);
}


void
hv_event_del_timer(hv_event_t *ev)
{
    hv_uint_t i;
    hv_event_t *last;

    if (!ev->timer_set) {
        return;
    }

    ev->timer_set = 0;
    i = ev->timer_index;
    last = hv_timer_heap[--hv_timer_n];

    if (last != ev) {
        hv_timer_place(i, last);
        hv_timer_fix(i);
    }
}


hv_msec_t
hv_event_find_timer(void)
{
    hv_msec_t first;

    if (hv_timer_n == 0) {
        return HV_TIMER_INFINITE;
    }

    first = hv_timer_heap[0]->timer;

    return first > hv_current_msec ? first - hv_current_msec : 0;
}


/*
 * At most as many handlers as there were timers on entry: a handler that
 * re-arms its own timer with 0 ms runs again in the next iteration rather
 * than spinning here.
 */
void
hv_event_expire_timers(void)
{
    hv_event_t *ev;
    hv_uint_t budget = hv_timer_n;

    while (budget-- > 0 && hv_timer_n > 0 &&
           hv_timer_heap[0]->timer <= hv_current_msec) {
        ev = hv_timer_heap[0];
        hv_event_del_timer(ev);

        ev->timedout = 1;
        ev->handler(ev);
    }
}


hv_uint_t
hv_event_timer_count(void)
{
    return hv_timer_n;
}
