/* bench/watchdog.c - heartbeats to rank 0 and the end of a run that hangs (watchdog.h). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "error.h"
#include "interrupt.h"
#include "llmbench.h"
#include "util.h"
#include "watchdog.h"

#define WD_ADDRS 16            /* rank 0's IPv4 addresses shared */
#define WD_BEAT_S 1.0          /* heartbeat period */
#define WD_STALE_S 5.0         /* no heartbeat for this long: the rank is missing */
#define WD_MIN_DEADLINE_S 300.0
#define WD_DEADLINE_FACTOR 20.0
#define WD_OTHERS_GRACE_S 30.0 /* ranks other than 0 give rank 0 this long past the deadline */

/* One heartbeat, fixed size on the wire (host byte order: one job, one architecture). */
struct beat {
    int32_t rank, count;
    char phase[16];
    char what[64];
};

/* This rank's position: written by the main thread, read by the watchdog thread. */
static pthread_mutex_t pos_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct beat pos;
static double pos_t;           /* when it reached it (llmb_now_s) */
static double longest_s;       /* longest interval between two points so far */

/* Rank 0's view of every rank. */
struct peer {
    int fd;
    struct beat b;
    size_t have;               /* bytes of a partial beat in buf */
    char buf[sizeof(struct beat)];
    double seen;               /* last heartbeat, 0 never */
};

static struct llmb_ctx *wctx;
static double deadline_opt_s;  /* --deadline, 0: the default */
static int listen_fd = -1, up_fd = -1;
static struct peer *peers;     /* rank 0: [size] */

void llmb_watchdog_point(const char *phase, int n, const char *what)
{
    double now = llmb_now_s();
    pthread_mutex_lock(&pos_mutex);
    if (pos_t > 0 && now - pos_t > longest_s)
        longest_s = now - pos_t;
    pos.count++;
    snprintf(pos.phase, sizeof pos.phase, "%s", phase ? phase : "");
    if (what)
        snprintf(pos.what, sizeof pos.what, "%s (point %d)", what, n);
    else
        snprintf(pos.what, sizeof pos.what, "point %d", n);
    pos_t = now;
    pthread_mutex_unlock(&pos_mutex);
}

static double deadline_s(void)
{
    if (deadline_opt_s > 0)
        return deadline_opt_s;
    double d = WD_DEADLINE_FACTOR * longest_s;
    return d > WD_MIN_DEADLINE_S ? d : WD_MIN_DEADLINE_S;
}

/* ---- rank 0: who is missing, and the end ---- */

static void read_peer(struct peer *p, int r)
{
    for (;;) {
        ssize_t n = recv(p->fd, p->buf + p->have, sizeof p->buf - p->have, MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
            close(p->fd); /* the rank is gone: its heartbeats stop */
            p->fd = -1;
            return;
        }
        if (n < 0)
            return;
        p->have += (size_t)n;
        if (p->have == sizeof p->buf) {
            memcpy(&p->b, p->buf, sizeof p->b);
            p->b.phase[sizeof p->b.phase - 1] = p->b.what[sizeof p->b.what - 1] = '\0';
            p->have = 0;
            if (p->b.rank == r)
                p->seen = llmb_now_s();
        }
    }
}

/* The ranks missing from rank 0's point, as JSON, and as text into msg: no heartbeat for
 * WD_STALE_S (or half the deadline, when longer: a loaded machine delays live heartbeats), or a
 * heartbeat sent well after rank 0 stopped progressing that shows an earlier point. */
static json_t *missing_ranks(const struct beat *me, double me_t, double dl, double now, char *msg,
                             size_t len)
{
    double stale_s = 0.5 * dl > WD_STALE_S ? 0.5 * dl : WD_STALE_S;
    json_t *a = json_array();
    size_t used = 0;
    msg[0] = '\0';
    for (int r = 1; r < wctx->size; r++) {
        struct peer *p = &peers[r];
        int stale = !(p->seen > 0) || now - p->seen > stale_s;
        int behind = !stale && p->b.count < me->count && p->seen > me_t + 2 * WD_BEAT_S;
        if (!stale && !behind)
            continue;
        const char *host = wctx->node_names[wctx->rank_node[r]];
        json_array_append_new(a, json_pack("{s:i, s:s, s:s, s:o, s:s, s:s}", "rank", r, "host",
            host, "why", stale ? "no heartbeat" : "behind", "last_heartbeat_s_ago",
            p->seen > 0 ? json_real(now - p->seen) : json_null(), "phase", p->b.phase,
            "at", p->b.what));
        if (used + 64 < len)
            used += (size_t)snprintf(msg + used, len - used, "%s%d (%s, %s)", used ? ", " : "",
                                     r, host, stale ? "no heartbeat" : "behind");
    }
    return a;
}

static _Noreturn void end_hung(const struct beat *me, double me_t, double stuck_s, double dl)
{
    double now = llmb_now_s();
    char who[1024], done[256], file[1024];
    json_t *miss = missing_ranks(me, me_t, dl, now, who, sizeof who);
    json_t *extra = json_pack("{s:{s:s, s:s, s:f, s:f, s:o}}", "hung", "phase", me->phase,
                              "at", me->what, "stuck_s", stuck_s, "deadline_s", dl,
                              "missing_ranks", miss);
    int wrote = llmb_final_write("hung", extra, done, sizeof done) == 0;
    llmb_error("hung in phase %s at %s: no progress for %.0f s (deadline %.0f s); ranks missing: "
               "%s%s%s (phases completed: %s); exiting with status %d", me->phase, me->what,
               stuck_s, dl, who[0] ? who : "none (every rank is inside the same point)",
               wrote ? "; results in " : "", wrote ? llmb_final_file(file, sizeof file) : "",
               wrote ? done : "?", LLMB_EHUNG);
    _exit(LLMB_EHUNG);
}

static void rank0_poll(void)
{
    int n = wctx->size;
    struct pollfd *fds = calloc((size_t)n + 1, sizeof *fds);
    if (!fds)
        return;
    fds[0].fd = listen_fd;
    fds[0].events = POLLIN;
    for (int r = 1; r < n; r++) {
        fds[r].fd = peers[r].fd;
        fds[r].events = POLLIN;
    }
    if (poll(fds, (nfds_t)n, 200) > 0) {
        if (fds[0].revents & POLLIN) {
            int c = accept(listen_fd, NULL, NULL);
            struct beat b;
            /* the first beat says who it is */
            if (c >= 0 && recv(c, &b, sizeof b, MSG_WAITALL) == (ssize_t)sizeof b &&
                b.rank > 0 && b.rank < n && peers[b.rank].fd < 0) {
                peers[b.rank].fd = c;
                peers[b.rank].b = b;
                peers[b.rank].seen = llmb_now_s();
            } else if (c >= 0) {
                close(c);
            }
        }
        for (int r = 1; r < n; r++)
            if (peers[r].fd >= 0 && (fds[r].revents & (POLLIN | POLLHUP | POLLERR)))
                read_peer(&peers[r], r);
    }
    free(fds);
}

/* ---- every rank ---- */

static void send_beat(void)
{
    if (up_fd < 0)
        return;
    struct beat b;
    pthread_mutex_lock(&pos_mutex);
    b = pos;
    pthread_mutex_unlock(&pos_mutex);
    if (send(up_fd, &b, sizeof b, MSG_NOSIGNAL) != (ssize_t)sizeof b) {
        close(up_fd);
        up_fd = -1;
    }
}

static void *watch(void *arg)
{
    (void)arg;
    double next_beat = 0;
    for (;;) {
        double now = llmb_now_s();
        if (wctx->rank == 0)
            rank0_poll();
        else {
            if (now >= next_beat) {
                send_beat();
                next_beat = now + WD_BEAT_S;
            }
            usleep(200000);
        }
        struct beat me;
        pthread_mutex_lock(&pos_mutex);
        me = pos;
        double me_t = pos_t, since = pos_t > 0 ? llmb_now_s() - pos_t : 0, dl = deadline_s();
        pthread_mutex_unlock(&pos_mutex);
        if (wctx->rank == 0 && since > dl && llmb_final_armed())
            end_hung(&me, me_t, since, dl);
        if (wctx->rank != 0 && since > dl + WD_OTHERS_GRACE_S) {
            llmb_error("rank %d (%s): no progress for %.0f s in phase %s at %s and rank 0 did "
                       "not end the run; exiting with status %d", wctx->rank, wctx->host, since,
                       me.phase, me.what, LLMB_EHUNG);
            _exit(LLMB_EHUNG);
        }
    }
    return NULL;
}

/* Rank 0: listen on every address, share the port and the IPv4 addresses (count, port,
 * addrs); -1 port when listening failed. */
static void share_addresses(uint32_t info[2 + WD_ADDRS])
{
    memset(info, 0, (2 + WD_ADDRS) * sizeof *info);
    info[1] = (uint32_t)-1;
    if (wctx->rank != 0)
        return;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY)};
    socklen_t sl = sizeof sa;
    listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
        listen(listen_fd, 4096) < 0 || getsockname(listen_fd, (struct sockaddr *)&sa, &sl) < 0)
        return;
    info[1] = ntohs(sa.sin_port);
    struct ifaddrs *ifs = NULL, *i;
    if (getifaddrs(&ifs) == 0)
        for (i = ifs; i && info[0] < WD_ADDRS; i = i->ifa_next)
            if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET)
                info[2 + info[0]++] = ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr;
    freeifaddrs(ifs);
    /* one connection per rank: make room for them */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)wctx->size + 64) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* Connect to rank 0 on one of its addresses: the socket, or -1. */
static int connect_up(const uint32_t info[2 + WD_ADDRS])
{
    for (uint32_t k = 0; k < info[0]; k++) {
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)info[1]),
                                 .sin_addr.s_addr = info[2 + k]};
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
            continue;
        int ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
        if (!ok && errno == EINPROGRESS) { /* at most 2 s for each address */
            struct pollfd p = {.fd = fd, .events = POLLOUT};
            int err = 0;
            socklen_t el = sizeof err;
            ok = poll(&p, 1, 2000) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) == 0 &&
                 err == 0;
        }
        if (ok) {
            fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
            return fd;
        }
        close(fd);
    }
    return -1;
}

void llmb_watchdog_start(struct llmb_ctx *ctx)
{
    uint32_t info[2 + WD_ADDRS];
    wctx = ctx;
    deadline_opt_s = ctx->opt->deadline_s;
    pos.rank = ctx->rank;
    snprintf(pos.phase, sizeof pos.phase, "start");
    snprintf(pos.what, sizeof pos.what, "before the first phase");
    pos_t = llmb_now_s();
    share_addresses(info);
    MPI_Bcast(info, 2 + WD_ADDRS, MPI_UINT32_T, 0, ctx->world);
    if (info[1] == (uint32_t)-1) {
        if (ctx->rank == 0)
            llmb_warn("watchdog: cannot listen for heartbeats: a hang will not be reported");
        return;
    }
    if (ctx->rank == 0) {
        peers = calloc((size_t)ctx->size, sizeof *peers);
        if (!peers)
            llmb_abort(LLMB_EFAIL, "out of memory for the watchdog of %d ranks", ctx->size);
        for (int r = 0; r < ctx->size; r++)
            peers[r].fd = -1;
    } else {
        up_fd = connect_up(info);
        if (up_fd < 0)
            llmb_warn("watchdog: rank %d (%s) cannot reach rank 0: its hangs will show as "
                      "missing heartbeats", ctx->rank, ctx->host);
        else
            send_beat(); /* who it is */
    }
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &attr, watch, NULL) != 0)
        llmb_warn("watchdog: no thread on rank %d: a hang will not be reported", ctx->rank);
    pthread_attr_destroy(&attr);
}
