/*
 * tests/unit/core_channel.c - core/channel.c: commands and descriptors
 * over a master/worker socketpair, a full channel, a closed peer.
 */
#include "core/core.h"
#include "tests/tap.h"

#include <sys/socket.h>


/* A log that drops every line: the error paths below are expected. */
static hv_log_t hv_test_log = { .level = HV_LOG_EMERG };


static void
hv_test_pair(int sv[2])
{
    T_OK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
             sv) == 0,
        "socketpair()");
}


static void
hv_test_commands(void)
{
    hv_channel_t out, in;
    int sv[2];

    hv_tap_subtest("a command arrives whole, with no descriptor");
    hv_test_pair(sv);

    memset(&in, 0, sizeof(hv_channel_t));
    T_IS_INT(hv_channel_read(sv[1], &in, &hv_test_log), HV_AGAIN,
        "an empty channel reads HV_AGAIN");

    memset(&out, 0, sizeof(hv_channel_t));
    out.command = HV_CMD_QUIT;
    out.pid = 1234;
    out.slot = 7;
    out.fd = -1;
    out.listen_index = -1;

    T_IS_INT(hv_channel_write(sv[0], &out, &hv_test_log), HV_OK, "write");
    T_IS_INT(hv_channel_read(sv[1], &in, &hv_test_log), HV_OK, "read");
    T_IS_INT(in.command, HV_CMD_QUIT, "command");
    T_IS_INT(in.pid, 1234, "pid");
    T_IS_INT(in.slot, 7, "slot");
    T_IS_INT(in.fd, -1, "no descriptor");
    T_IS_INT(hv_channel_read(sv[1], &in, &hv_test_log), HV_AGAIN,
        "one message, read once");

    /* the worker's direction */
    out.command = HV_CMD_ONLINE;
    T_IS_INT(hv_channel_write(sv[1], &out, &hv_test_log), HV_OK,
        "the other end writes too");
    T_IS_INT(hv_channel_read(sv[0], &in, &hv_test_log), HV_OK, "and is read");
    T_IS_INT(in.command, HV_CMD_ONLINE, "online");

    (void) close(sv[0]);
    (void) close(sv[1]);
}


static void
hv_test_descriptor(void)
{
    hv_channel_t out, in;
    char buf[8];
    int sv[2], p[2];

    hv_tap_subtest("a descriptor rides along (SCM_RIGHTS)");
    hv_test_pair(sv);
    T_OK(pipe(p) == 0, "pipe()");

    memset(&out, 0, sizeof(hv_channel_t));
    out.command = HV_CMD_FD;
    out.fd = p[0];
    out.listen_index = 3;

    T_IS_INT(hv_channel_write(sv[0], &out, &hv_test_log), HV_OK, "write");
    (void) close(p[0]); /* the sender's copy may go at once */

    T_IS_INT(hv_channel_read(sv[1], &in, &hv_test_log), HV_OK, "read");
    T_IS_INT(in.command, HV_CMD_FD, "command");
    T_IS_INT(in.listen_index, 3, "listen_index");
    T_OK(in.fd >= 0, "a descriptor arrived (%d)", in.fd);
    T_OK((fcntl(in.fd, F_GETFD) & FD_CLOEXEC) != 0, "close-on-exec");

    T_IS_INT(write(p[1], "hive", 4), 4, "write into the pipe");
    T_IS_INT(read(in.fd, buf, sizeof(buf)), 4, "read it from the passed end");
    T_IS_MEM(buf, "hive", 4, "same bytes");

    (void) close(in.fd);
    (void) close(p[1]);
    (void) close(sv[0]);
    (void) close(sv[1]);
}


static void
hv_test_full_and_closed(void)
{
    hv_channel_t ch;
    int sv[2], i, rc;

    hv_tap_subtest("a full channel, then a closed peer");
    hv_test_pair(sv);

    memset(&ch, 0, sizeof(hv_channel_t));
    ch.command = HV_CMD_REOPEN;
    ch.fd = -1;

    rc = HV_OK;
    for (i = 0; i < 1000000 && rc == HV_OK; i++) {
        rc = hv_channel_write(sv[0], &ch, &hv_test_log);
    }
    T_IS_INT(rc, HV_AGAIN, "a full channel writes HV_AGAIN (after %d)", i);

    (void) close(sv[0]);

    rc = HV_OK;
    for (i = 0; i < 1000000 && rc == HV_OK; i++) {
        rc = hv_channel_read(sv[1], &ch, &hv_test_log);
    }
    T_IS_INT(rc, HV_DONE, "what was queued is read, then HV_DONE");
    T_IS_INT(ch.command, HV_CMD_REOPEN, "the queued messages were intact");

    T_IS_INT(hv_channel_write(sv[1], &ch, &hv_test_log), HV_ERROR,
        "writing to a closed peer fails without SIGPIPE");

    (void) close(sv[1]);
}


int
main(void)
{
    hv_test_commands();
    hv_test_descriptor();
    hv_test_full_and_closed();

    return hv_tap_done();
}
