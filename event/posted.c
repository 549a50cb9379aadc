/*
 * event/posted.c - events queued to run later in the same loop iteration.
 *
 * The accept mutex is the reason they exist: the holder queues what
 * epoll_wait() reported, runs only the accept events while it holds the
 * lock, releases it, and then runs the rest, so that the lock is never
 * held while requests are served.  Anything else that must run "soon but
 * not now" (a timer that could not be stored, an idle connection to close
 * while stopping) uses hv_posted_events too.
 *
 * The queues are process-wide event loop state; they start empty, with
 * the sentinel pointing at itself.
 */
#include "event/event_internal.h"


hv_queue_t hv_posted_accept_events = { &hv_posted_accept_events,
    &hv_posted_accept_events };

hv_queue_t hv_posted_events = { &hv_posted_events, &hv_posted_events };


void
hv_post_event(hv_event_t *ev, hv_queue_t *q)
{
    if (ev->is_posted) {
        return;
    }

    ev->is_posted = 1;
    hv_queue_insert_tail(q, &ev->posted);
}


void
hv_delete_posted_event(hv_event_t *ev)
{
    if (!ev->is_posted) {
        return;
    }

    ev->is_posted = 0;
    hv_queue_remove(&ev->posted);
}


/* Handlers may post more events (or delete queued ones) as it runs. */
void
hv_event_process_posted(hv_queue_t *q)
{
    hv_event_t *ev;

    while (!hv_queue_empty(q)) {
        ev = hv_queue_data(hv_queue_head(q), hv_event_t, posted);
        hv_delete_posted_event(ev);

        ev->handler(ev);
    }
}
