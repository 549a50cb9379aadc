/*
 * core/channel.c - messages between the master and a worker over their
 * socketpair, with a descriptor riding along as SCM_RIGHTS.
 *
 * The pair is SOCK_SEQPACKET rather than nginx's SOCK_STREAM: every
 * message arrives whole or not at all, so a full socket buffer can never
 * leave half a message behind and desynchronise the stream.
 */
#include "core/core.h"

#include <sys/socket.h>
#include <sys/uio.h>


typedef union {
    struct cmsghdr cm;
    char space[CMSG_SPACE(sizeof(int))];
} hv_channel_cmsg_t;


int
hv_channel_write(int s, const hv_channel_t *ch, hv_log_t *log)
{
    struct msghdr msg;
    struct iovec iov;
    struct cmsghdr *cm;
    hv_channel_cmsg_t cmsg;
    ssize_t n;
    int fd;

    memset(&msg, 0, sizeof(struct msghdr));

    iov.iov_base = (void *) ch;
    iov.iov_len = sizeof(hv_channel_t);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;

    if (ch->fd != -1) {
        memset(&cmsg, 0, sizeof(hv_channel_cmsg_t));
        msg.msg_control = &cmsg;
        msg.msg_controllen = sizeof(hv_channel_cmsg_t);

        cm = CMSG_FIRSTHDR(&msg);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        fd = ch->fd;
        memcpy(CMSG_DATA(cm), &fd, sizeof(int));
    }

    n = sendmsg(s, &msg, MSG_NOSIGNAL);

    if (n == -1) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return HV_AGAIN;
        }

        hv_log_error(
            HV_LOG_ERR, log, errno, "sendmsg() on channel %d failed", s);
        return HV_ERROR;
    }

    return HV_OK;
}


/* The descriptor a message carried, or -1. */
static int
hv_channel_received_fd(struct msghdr *msg)
{
    struct cmsghdr *cm;
    int fd;

    cm = CMSG_FIRSTHDR(msg);

    if (cm == NULL || cm->cmsg_level != SOL_SOCKET ||
        cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len != CMSG_LEN(sizeof(int))) {
        return -1;
    }

    memcpy(&fd, CMSG_DATA(cm), sizeof(int));
    return fd;
}


int
hv_channel_read(int s, hv_channel_t *ch, hv_log_t *log)
{
    struct msghdr msg;
    struct iovec iov;
    hv_channel_cmsg_t cmsg;
    ssize_t n;
    int fd;

    memset(&msg, 0, sizeof(struct msghdr));

    iov.iov_base = ch;
    iov.iov_len = sizeof(hv_channel_t);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = &cmsg;
    msg.msg_controllen = sizeof(hv_channel_cmsg_t);

    n = recvmsg(s, &msg, MSG_CMSG_CLOEXEC);

    if (n == -1) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return HV_AGAIN;
        }
        if (errno == ECONNRESET) {
            return HV_DONE;
        }

        hv_log_error(
            HV_LOG_ERR, log, errno, "recvmsg() on channel %d failed", s);
        return HV_ERROR;
    }

    if (n == 0) {
        return HV_DONE;
    }

    fd = hv_channel_received_fd(&msg);

    if ((size_t) n != sizeof(hv_channel_t) ||
        (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
        hv_log_error(HV_LOG_ALERT, log, 0,
            "recvmsg() on channel %d returned a malformed message "
            "(%zd bytes)",
            s, n);
        if (fd != -1) {
            (void) close(fd);
        }
        return HV_ERROR;
    }

    if (ch->command == HV_CMD_FD && fd == -1) {
        hv_log_error(HV_LOG_ALERT, log, 0,
            "recvmsg() on channel %d returned no descriptor", s);
        return HV_ERROR;
    }

    if (ch->command != HV_CMD_FD && fd != -1) {
        (void) close(fd); /* not expected: do not leak it */
        fd = -1;
    }

    ch->fd = fd;
    return HV_OK;
}
