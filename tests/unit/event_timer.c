/*
 * tests/unit/event_timer.c - event/timer.c: the heap keeps the earliest
 * expiry first, deletes from the middle, re-arms in place, reports the
 * time to the next expiry and runs expired handlers in order; then 10,000
 * random operations checked against a plain array.
 *
 * The test drives the clock by writing the cached monotonic time
 * (hv_cached_time.msec) directly, so that every expiry is exact and the
 * run does not depend on how fast the machine is.
 */
#include "event/event.h"
#include "tests/tap.h"


#define HV_TEST_EVENTS 300
#define HV_TEST_OPS 10000


/* What the handlers saw, in the order they ran. */
typedef struct {
    hv_event_t *fired[HV_TEST_EVENTS * 4];
    hv_msec_t keys[HV_TEST_EVENTS * 4];
    hv_uint_t n;
    bool all_timedout;
} hv_test_log_t;

static hv_test_log_t hv_test_fired;


static void
hv_test_set_now(hv_msec_t now)
{
    hv_cached_time.msec = now;
}


static void
hv_test_handler(hv_event_t *ev)
{
    if (hv_test_fired.n < hv_nelems(hv_test_fired.fired)) {
        hv_test_fired.fired[hv_test_fired.n] = ev;
        hv_test_fired.keys[hv_test_fired.n] = ev->timer;
        hv_test_fired.n++;
    }

    if (!ev->timedout || ev->timer_set) {
        hv_test_fired.all_timedout = false;
    }

    ev->timedout = 0;
}


/* A handler that re-arms its own timer with 0 ms: must not spin. */
static void
hv_test_rearm_handler(hv_event_t *ev)
{
    hv_test_handler(ev);
    hv_event_add_timer(ev, 0);
}


static void
hv_test_reset(hv_event_t *evs, hv_uint_t n)
{
    hv_uint_t i;

    memset(evs, 0, n * sizeof(hv_event_t));
    for (i = 0; i < n; i++) {
        evs[i].handler = hv_test_handler;
    }

    memset(&hv_test_fired, 0, sizeof(hv_test_fired));
    hv_test_fired.all_timedout = true;
}


static bool
hv_test_fired_in_order(void)
{
    hv_uint_t i;

    for (i = 1; i < hv_test_fired.n; i++) {
        if (hv_test_fired.keys[i] < hv_test_fired.keys[i - 1]) {
            return false;
        }
    }

    return true;
}


static void
hv_test_order(void)
{
    static const hv_msec_t delays[] = { 50, 10, 70, 30, 30, 90, 20, 60, 0, 40 };
    hv_event_t evs[hv_nelems(delays)];
    hv_uint_t i;

    hv_tap_subtest("heap order and expiry");

    hv_test_reset(evs, hv_nelems(evs));
    hv_test_set_now(1000);

    T_IS_INT(hv_event_find_timer(), HV_TIMER_INFINITE, "no timer: infinite");

    for (i = 0; i < hv_nelems(delays); i++) {
        hv_event_add_timer(&evs[i], delays[i]);
    }

    T_IS_INT(hv_event_timer_count(), hv_nelems(delays), "all set");
    T_IS_INT(hv_event_find_timer(), 0, "a 0 ms timer is due now");

    hv_event_expire_timers();
    T_IS_INT(hv_test_fired.n, 1, "only the due one ran");
    T_OK(hv_test_fired.fired[0] == &evs[8], "it was the 0 ms one");
    T_IS_INT(hv_event_find_timer(), 10, "next in 10 ms");

    hv_test_set_now(1035);
    T_IS_INT(hv_event_find_timer(), 0, "overdue reports 0");
    hv_event_expire_timers();
    T_IS_INT(hv_test_fired.n, 5, "10, 20, 30, 30 ran too");
    T_IS_INT(hv_event_find_timer(), 5, "next at 1040");

    hv_test_set_now(5000);
    hv_event_expire_timers();
    T_IS_INT(hv_test_fired.n, hv_nelems(delays), "everything ran");
    T_OK(hv_test_fired_in_order(), "in expiry order");
    T_OK(hv_test_fired.all_timedout, "timedout set, timer_set clear");
    T_IS_INT(hv_event_timer_count(), 0, "heap empty");
    T_IS_INT(hv_event_find_timer(), HV_TIMER_INFINITE, "infinite again");
}


static void
hv_test_delete_and_rearm(void)
{
    hv_event_t evs[9];
    hv_uint_t i;

    hv_tap_subtest("delete from the middle, re-arm");

    hv_test_reset(evs, hv_nelems(evs));
    hv_test_set_now(0);

    for (i = 0; i < hv_nelems(evs); i++) {
        hv_event_add_timer(&evs[i], 100 + 10 * i);
    }

    hv_event_del_timer(&evs[4]);
    hv_event_del_timer(&evs[0]);
    hv_event_del_timer(&evs[0]);
    T_IS_INT(hv_event_timer_count(), 7, "two deleted, deleting twice is ok");
    T_OK(!evs[4].timer_set && !evs[0].timer_set, "timer_set cleared");
    T_IS_INT(hv_event_find_timer(), 110, "the new first");

    hv_event_add_timer(&evs[8], 5);
    T_IS_INT(hv_event_timer_count(), 7, "re-arming does not add");
    T_IS_INT(hv_event_find_timer(), 5, "re-armed earlier moves up");

    hv_event_add_timer(&evs[8], 1000);
    T_IS_INT(hv_event_find_timer(), 110, "re-armed later moves down");

    hv_test_set_now(500);
    hv_event_expire_timers();
    T_IS_INT(hv_test_fired.n, 6, "six of the seven are due");
    T_OK(hv_test_fired_in_order(), "in order");

    for (i = 0; i < hv_test_fired.n; i++) {
        T_OK(hv_test_fired.fired[i] != &evs[4] &&
                 hv_test_fired.fired[i] != &evs[0],
            "deleted timer %lu did not run", (unsigned long) i);
    }

    hv_test_set_now(1000);
    hv_event_expire_timers();
    T_IS_INT(hv_test_fired.n, 7, "the re-armed one ran at its new time");
    T_OK(hv_test_fired.fired[6] == &evs[8], "and last");
}


static void
hv_test_rearm_inside_handler(void)
{
    hv_event_t evs[3];

    hv_tap_subtest("a handler that re-arms with 0 ms");

    hv_test_reset(evs, hv_nelems(evs));
    hv_test_set_now(100);

    evs[0].handler = hv_test_rearm_handler;
    hv_event_add_timer(&evs[0], 0);
    hv_event_add_timer(&evs[1], 0);

    hv_event_expire_timers();
    T_OK(hv_test_fired.n >= 2 && hv_test_fired.n <= 3,
        "each due timer ran about once, no endless loop (%lu)",
        (unsigned long) hv_test_fired.n);
    T_OK(evs[0].timer_set, "the re-armed timer is set again");

    hv_event_del_timer(&evs[0]);
    T_IS_INT(hv_event_timer_count(), 0, "clean");
}


/* A reference: the expiry of each event, or none. */
typedef struct {
    bool set;
    hv_msec_t key;
} hv_test_ref_t;


static bool
hv_test_check_ref(const hv_test_ref_t *ref, hv_uint_t n, hv_msec_t now)
{
    hv_msec_t min = HV_TIMER_INFINITE, want;
    hv_uint_t i, count = 0;

    for (i = 0; i < n; i++) {
        if (ref[i].set) {
            count++;
            min = hv_min(min, ref[i].key);
        }
    }

    want = (min == HV_TIMER_INFINITE) ? HV_TIMER_INFINITE
                                      : (min > now ? min - now : 0);

    return count == hv_event_timer_count() && want == hv_event_find_timer();
}


/* Expires at now; returns the number of discrepancies with ref. */
static hv_uint_t
hv_test_random_expire(hv_event_t *evs, hv_test_ref_t *ref, hv_msec_t now)
{
    hv_uint_t i, k, bad = 0;

    hv_test_set_now(now);
    hv_test_fired.n = 0;
    hv_event_expire_timers();

    /* exactly the due ones, each at its own expiry, in order */
    for (i = 0; i < hv_test_fired.n; i++) {
        k = (hv_uint_t) (hv_test_fired.fired[i] - evs);
        if (!ref[k].set || ref[k].key > now ||
            ref[k].key != hv_test_fired.keys[i]) {
            bad++;
        }
        ref[k].set = false;
    }

    if (!hv_test_fired_in_order()) {
        bad++;
    }

    for (i = 0; i < HV_TEST_EVENTS; i++) {
        if (ref[i].set && ref[i].key <= now) {
            bad++;
        }
    }

    return bad;
}


static void
hv_test_random(void)
{
    static hv_event_t evs[HV_TEST_EVENTS];
    static hv_test_ref_t ref[HV_TEST_EVENTS];
    hv_uint_t op, i, k, bad_state, bad_fire, expires;
    hv_msec_t now, delay;

    hv_tap_subtest("10,000 random operations against a reference");

    hv_test_reset(evs, HV_TEST_EVENTS);
    memset(ref, 0, sizeof(ref));
    srand(20261124);

    now = 1000000;
    hv_test_set_now(now);
    bad_state = 0;
    bad_fire = 0;
    expires = 0;

    for (op = 0; op < HV_TEST_OPS; op++) {
        k = (hv_uint_t) rand() % HV_TEST_EVENTS;

        switch (rand() % 8) {
            case 0:
            case 1:
            case 2:
            case 3:
                delay = (hv_msec_t) (rand() % 5000);
                hv_event_add_timer(&evs[k], delay);
                ref[k].set = true;
                ref[k].key = now + delay;
                break;

            case 4:
            case 5:
                hv_event_del_timer(&evs[k]);
                ref[k].set = false;
                break;

            default:
                now += (hv_msec_t) (rand() % 400);
                bad_fire += hv_test_random_expire(evs, ref, now);
                expires++;
                break;
        }

        if (!hv_test_check_ref(ref, HV_TEST_EVENTS, now)) {
            bad_state++;
        }
    }

    T_IS_INT(bad_state, 0, "count and next expiry always match");
    T_IS_INT(bad_fire, 0, "every expiry ran exactly the due timers in order");
    T_OK(expires > HV_TEST_OPS / 8, "the run expired timers %lu times",
        (unsigned long) expires);
    T_OK(hv_test_fired.all_timedout, "every handler saw timedout");

    for (i = 0; i < HV_TEST_EVENTS; i++) {
        hv_event_del_timer(&evs[i]);
    }
    T_IS_INT(hv_event_timer_count(), 0, "all deleted");
}


int
main(void)
{
    hv_time_update();

    if (hv_event_timer_init(NULL) != HV_OK) {
        T_OK(false, "hv_event_timer_init()");
        return hv_tap_done();
    }

    hv_test_order();
    hv_test_delete_and_rearm();
    hv_test_rearm_inside_handler();
    hv_test_random();

    hv_event_timer_done();

    return hv_tap_done();
}
