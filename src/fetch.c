/*
 * fetch.c: libcurl transfers, multi-socket API.
 *
 * curl tells us which sockets to watch (socket callback) and when to call
 * it back (timer callback); the daemon's zmq_poll() waits on both.  The
 * write callback enforces the body cap on decoded bytes.  Private addresses
 * are refused twice: the open-socket callback keeps a transfer from even
 * connecting to one, and the pre-request callback, which libcurl calls
 * before every request on the connection it will use (new or taken from
 * the pool, on every redirect hop), checks that connection's address, so a
 * connection that an allowed source opened is never lent to another.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "newsd/addr.h"
#include "newsd/fetch.h"
#include "newsd/url.h"
#include "newsd/version.h"

#define MAX_REDIRECTS 10
#define ACCEPT                                                                                     \
    "Accept: application/rss+xml, application/atom+xml, application/feed+json, "                   \
    "application/rdf+xml;q=0.9, application/xml;q=0.9, application/json;q=0.8, "                   \
    "text/xml;q=0.8, */*;q=0.5"

struct xfer {
    CURL *easy;
    struct curl_slist *headers;
    struct nd_buf body;
    int too_large;
    int blocked;
    char blocked_ip[64]; /* the refused address */
    int allow_private;
    int allow_file;
    int responses; /* header blocks seen */
    int capture_location;
    char *url;
    struct nd_fetch_result res;
    nd_fetch_done_fn fn;
    void *arg;
    struct xfer *prev, *next;
};

#define EASY_POOL 64 /* easy handles kept for the next transfers (curl_easy_reset) */

struct nd_fetcher {
    CURLM *multi;
    CURL *pool[EASY_POOL];
    size_t n_pool;
    struct nd_loop *loop;
    struct nd_loop_timer timer; /* curl's timeout */
    struct xfer *xfers;
    size_t in_flight;
};

void nd_fetch_result_clear(struct nd_fetch_result *r)
{
    free(r->body);
    free(r->content_type);
    free(r->charset);
    free(r->content_language);
    free(r->etag);
    free(r->last_modified);
    free(r->final_url);
    free(r->permanent_redirect);
    memset(r, 0, sizeof(*r));
    r->max_age = -1;
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
    struct xfer *x = arg;

    if (nd_buf_add(&x->body, p, size * n) != ND_OK) {
        x->too_large = 1;
        return 0; /* abort: CURLE_WRITE_ERROR */
    }
    return size * n;
}

/* "Name: value" -> value, trimmed, when the header has that name. */
static char *header_value(const char *line, size_t len, const char *name)
{
    size_t nl = strlen(name), end;

    if (len <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
        return NULL;
    line += nl + 1;
    len -= nl + 1;
    while (len && (*line == ' ' || *line == '\t'))
        line++, len--;
    end = len;
    while (end && (line[end - 1] == '\r' || line[end - 1] == '\n' || line[end - 1] == ' ' ||
                   line[end - 1] == '\t'))
        end--;
    return xstrndup(line, end);
}

static void parse_content_type(struct nd_fetch_result *r)
{
    const char *p = r->content_type ? strcasestr(r->content_type, "charset=") : NULL;
    size_t n;

    free(r->charset);
    r->charset = NULL;
    if (p == NULL)
        return;
    p += 8;
    if (*p == '"' || *p == '\'')
        p++;
    n = strcspn(p, "\"'; \t");
    if (n > 0 && n < 64)
        r->charset = xstrndup(p, n);
}

static void parse_cache_control(struct nd_fetch_result *r, const char *v)
{
    const char *p = strcasestr(v, "max-age=");
    char *end;
    long long age;

    if (p == NULL)
        return;
    age = strtoll(p + 8, &end, 10);
    if (end != p + 8 && age >= 0)
        r->max_age = age;
}

static size_t on_header(char *line, size_t size, size_t n, void *arg)
{
    struct xfer *x = arg;
    struct nd_fetch_result *r = &x->res;
    size_t len = size * n;
    char *v;

    if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
        /* a new response (after a redirect or a 100 Continue): forget the last one's headers */
        const char *sp = memchr(line, ' ', len);
        long status = sp ? strtol(sp + 1, NULL, 10) : 0;
        x->responses++;
        x->capture_location = x->responses == 1 && (status == 301 || status == 308);
        nd_str_set(&r->etag, NULL);
        nd_str_set(&r->last_modified, NULL);
        nd_str_set(&r->content_type, NULL);
        nd_str_set(&r->content_language, NULL);
        r->max_age = -1;
        return len;
    }
    if ((v = header_value(line, len, "ETag")) != NULL) {
        nd_str_take(&r->etag, v);
    } else if ((v = header_value(line, len, "Last-Modified")) != NULL) {
        nd_str_take(&r->last_modified, v);
    } else if ((v = header_value(line, len, "Content-Type")) != NULL) {
        nd_str_take(&r->content_type, v);
    } else if ((v = header_value(line, len, "Content-Language")) != NULL) {
        nd_str_take(&r->content_language, v);
    } else if ((v = header_value(line, len, "Cache-Control")) != NULL) {
        parse_cache_control(r, v);
        free(v);
    } else if (x->capture_location && (v = header_value(line, len, "Location")) != NULL) {
        char *cur = NULL;
        curl_easy_getinfo(x->easy, CURLINFO_EFFECTIVE_URL, &cur);
        nd_str_take(&r->permanent_redirect, nd_url_resolve(cur ? cur : x->url, v));
        free(v);
    }
    return len;
}

static void block(struct xfer *x, const char *ip)
{
    x->blocked = 1;
    snprintf(x->blocked_ip, sizeof(x->blocked_ip), "%s", ip && *ip ? ip : "an unknown address");
}

static curl_socket_t on_opensocket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
    struct xfer *x = arg;
    const void *addr = NULL;
    char ip[INET6_ADDRSTRLEN] = "";

    if (a->family == AF_INET)
        addr = &((const struct sockaddr_in *)(const void *)&a->addr)->sin_addr;
    else if (a->family == AF_INET6)
        addr = &((const struct sockaddr_in6 *)(const void *)&a->addr)->sin6_addr;
    if (!x->allow_private && (addr == NULL || nd_addr_is_private(a->family, addr))) {
        if (addr)
            inet_ntop(a->family, addr, ip, sizeof(ip));
        block(x, ip);
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

/* Before each request, on the connection it goes out on (a reused one too). */
static int on_prereq(void *arg, char *primary_ip, char *local_ip, int primary_port, int local_port)
{
    struct xfer *x = arg;

    if (x->allow_private)
        return CURL_PREREQFUNC_OK;
    if ((primary_ip == NULL || *primary_ip == '\0') && x->allow_file)
        return CURL_PREREQFUNC_OK; /* a file: URL, no connection */
    if (nd_addr_text_is_private(primary_ip)) {
        block(x, primary_ip);
        return CURL_PREREQFUNC_ABORT;
    }
    return CURL_PREREQFUNC_OK;
}

/* Free x; its easy handle goes back to f's pool when there is room (f may be NULL). */
static void xfer_free(struct nd_fetcher *f, struct xfer *x)
{
    if (x == NULL)
        return;
    if (x->easy && f && f->n_pool < EASY_POOL)
        f->pool[f->n_pool++] = x->easy;
    else if (x->easy)
        curl_easy_cleanup(x->easy);
    curl_slist_free_all(x->headers);
    nd_buf_free(&x->body);
    nd_fetch_result_clear(&x->res);
    free(x->url);
    free(x);
}

/* A transfer for req, on an easy handle of f's pool when there is one (f may be NULL). */
static struct xfer *xfer_new(struct nd_fetcher *f, const struct nd_fetch_req *req)
{
    struct xfer *x = xcalloc(1, sizeof(*x));
    char scheme[16] = "";
    char *h;
    CURL *e;

    x->res.max_age = -1;
    x->url = xstrdup(req->url);
    x->allow_private = req->allow_private;
    nd_buf_init(&x->body, (size_t)req->max_body);
    if (f && f->n_pool > 0) {
        x->easy = e = f->pool[--f->n_pool];
        curl_easy_reset(e);
    } else {
        x->easy = e = curl_easy_init();
    }
    if (e == NULL) {
        xfer_free(NULL, x);
        return NULL;
    }
    x->headers = curl_slist_append(x->headers, ACCEPT);
    if (req->etag) {
        h = xasprintf("If-None-Match: %s", req->etag);
        x->headers = curl_slist_append(x->headers, h);
        free(h);
    }
    if (req->last_modified) {
        h = xasprintf("If-Modified-Since: %s", req->last_modified);
        x->headers = curl_slist_append(x->headers, h);
        free(h);
    }
    for (size_t i = 0; req->headers && i < req->headers->n; i++)
        x->headers = curl_slist_append(x->headers, req->headers->v[i]);

    nd_url_scheme(req->url, scheme, sizeof(scheme));
    x->allow_file = strcmp(scheme, "file") == 0;
    curl_easy_setopt(e, CURLOPT_URL, req->url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, x->allow_file ? "http,https,file" : "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, (long)MAX_REDIRECTS);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, (long)req->connect_timeout);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)req->timeout);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (long)(req->timeout < 30 ? req->timeout : 30));
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)req->max_body);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_USERAGENT, req->user_agent ? req->user_agent : NEWSD_USER_AGENT);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, on_opensocket);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, x);
    curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, on_prereq);
    curl_easy_setopt(e, CURLOPT_PREREQDATA, x);
    curl_easy_setopt(e, CURLOPT_PRIVATE, x);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    return x;
}

static enum nd_outcome classify_curl(struct xfer *x, CURLcode rc)
{
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return ND_OUT_DNS;
    case CURLE_COULDNT_CONNECT:
    case CURLE_ABORTED_BY_CALLBACK:
        return x->blocked                    ? ND_OUT_BLOCKED
               : rc == CURLE_COULDNT_CONNECT ? ND_OUT_CONNECT
                                             : ND_OUT_ERROR;
    case CURLE_OPERATION_TIMEDOUT:
        return ND_OUT_TIMEOUT;
    case CURLE_FILESIZE_EXCEEDED:
        return ND_OUT_TOO_LARGE;
    case CURLE_WRITE_ERROR:
        return x->too_large ? ND_OUT_TOO_LARGE : ND_OUT_ERROR;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
        return ND_OUT_TLS;
    default:
        return ND_OUT_ERROR;
    }
}

static enum nd_outcome classify_status(long status)
{
    if (status == 304)
        return ND_OUT_NOT_MODIFIED;
    if (status == 410)
        return ND_OUT_GONE;
    if (status == 429)
        return ND_OUT_RATE_LIMITED;
    if (status >= 500)
        return ND_OUT_HTTP_5XX;
    if (status >= 400)
        return ND_OUT_HTTP_4XX;
    if (status >= 300)
        return ND_OUT_ERROR; /* a redirect not followed */
    return ND_OUT_OK;
}

/* Fill x->res from the finished transfer. */
static void finish(struct xfer *x, CURLcode rc)
{
    struct nd_fetch_result *r = &x->res;
    char *url = NULL;
    curl_off_t retry = 0, usecs = 0, bytes = 0;

    curl_easy_getinfo(x->easy, CURLINFO_TOTAL_TIME_T, &usecs);
    curl_easy_getinfo(x->easy, CURLINFO_SIZE_DOWNLOAD_T, &bytes);
    r->seconds = (double)usecs / 1e6;
    r->wire_bytes = bytes > 0 ? (uint64_t)bytes : 0;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &r->http_status);
    curl_easy_getinfo(x->easy, CURLINFO_EFFECTIVE_URL, &url);
    curl_easy_getinfo(x->easy, CURLINFO_RETRY_AFTER, &retry);
    r->final_url = xstrdup(url ? url : x->url);
    r->retry_after = retry > 0 ? (int64_t)retry : 0;
    parse_content_type(r);
    if (rc != CURLE_OK) {
        r->outcome = classify_curl(x, rc);
        if (r->outcome == ND_OUT_TOO_LARGE)
            snprintf(r->error, sizeof(r->error), "body larger than %zu bytes", x->body.limit);
        else if (r->outcome == ND_OUT_BLOCKED)
            snprintf(r->error, sizeof(r->error),
                     "refused to reach %s, a private address (allow_private is off)",
                     x->blocked_ip);
        else
            snprintf(r->error, sizeof(r->error), "%s", curl_easy_strerror(rc));
        return;
    }
    r->outcome = classify_status(r->http_status);
    if (r->outcome != ND_OUT_OK) {
        if (r->outcome != ND_OUT_NOT_MODIFIED)
            snprintf(r->error, sizeof(r->error), "HTTP %ld", r->http_status);
        return;
    }
    if (x->body.len == 0) {
        r->outcome = ND_OUT_EMPTY;
        snprintf(r->error, sizeof(r->error), "empty body");
        return;
    }
    r->len = x->body.len;
    r->body = nd_buf_steal(&x->body);
}

/* --- the multi handle, its sockets and its timer, watched by the loop --- */

static void reap(struct nd_fetcher *f);

struct sockw {
    struct nd_fetcher *f;
    curl_socket_t fd;
    struct nd_watch *w;
};

static void on_sock_ready(void *arg, int revents)
{
    struct sockw *sw = arg;
    struct nd_fetcher *f = sw->f;
    int flags = 0, running;

    if (revents & ND_EV_IN)
        flags |= CURL_CSELECT_IN;
    if (revents & ND_EV_OUT)
        flags |= CURL_CSELECT_OUT;
    if (revents & ND_EV_ERR)
        flags |= CURL_CSELECT_ERR;
    /* may call on_socket, which may free sw: use nothing of it after this */
    curl_multi_socket_action(f->multi, sw->fd, flags, &running);
    reap(f);
}

static int on_socket(CURL *easy, curl_socket_t s, int what, void *arg, void *sockp)
{
    struct nd_fetcher *f = arg;
    struct sockw *sw = sockp;
    int events = ((what & CURL_POLL_IN) ? ND_EV_IN : 0) | ((what & CURL_POLL_OUT) ? ND_EV_OUT : 0);

    if (what == CURL_POLL_REMOVE) {
        if (sw) {
            nd_loop_unwatch(f->loop, sw->w);
            curl_multi_assign(f->multi, s, NULL);
            free(sw);
        }
        return 0;
    }
    if (sw == NULL) {
        sw = xcalloc(1, sizeof(*sw));
        sw->f = f;
        sw->fd = s;
        sw->w = nd_loop_watch(f->loop, s, NULL, events, on_sock_ready, sw);
        curl_multi_assign(f->multi, s, sw);
    } else {
        nd_loop_watch_events(sw->w, events);
    }
    return 0;
}

static void on_curl_timer(void *arg)
{
    struct nd_fetcher *f = arg;
    int running;

    curl_multi_socket_action(f->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    reap(f);
}

static int on_timer(CURLM *multi, long timeout_ms, void *arg)
{
    struct nd_fetcher *f = arg;

    if (timeout_ms < 0)
        nd_loop_timer_cancel(f->loop, &f->timer);
    else
        nd_loop_timer_at(f->loop, &f->timer, nd_mono_ms() + timeout_ms);
    return 0;
}

struct nd_fetcher *nd_fetcher_new(struct nd_loop *loop)
{
    struct nd_fetcher *f = xcalloc(1, sizeof(*f));

    f->loop = loop;
    nd_loop_timer_init(&f->timer, on_curl_timer, f);
    f->multi = curl_multi_init();
    if (f->multi == NULL) {
        free(f);
        return NULL;
    }
    curl_multi_setopt(f->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(f->multi, CURLMOPT_SOCKETDATA, f);
    curl_multi_setopt(f->multi, CURLMOPT_TIMERFUNCTION, on_timer);
    curl_multi_setopt(f->multi, CURLMOPT_TIMERDATA, f);
    return f;
}

void nd_fetcher_free(struct nd_fetcher *f)
{
    struct xfer *x, *next;

    if (f == NULL)
        return;
    nd_loop_timer_cancel(f->loop, &f->timer);
    for (x = f->xfers; x; x = next) {
        next = x->next;
        curl_multi_remove_handle(f->multi, x->easy); /* calls on_socket(REMOVE) */
        xfer_free(NULL, x);
    }
    while (f->n_pool > 0)
        curl_easy_cleanup(f->pool[--f->n_pool]);
    curl_multi_cleanup(f->multi);
    free(f);
}

int nd_fetch_start(struct nd_fetcher *f, const struct nd_fetch_req *req, nd_fetch_done_fn fn,
                   void *arg)
{
    struct xfer *x = xfer_new(f, req);

    if (x == NULL)
        return ND_ENOMEM;
    x->fn = fn;
    x->arg = arg;
    if (curl_multi_add_handle(f->multi, x->easy) != CURLM_OK) {
        xfer_free(f, x);
        return ND_EINVAL;
    }
    x->next = f->xfers;
    if (f->xfers)
        f->xfers->prev = x;
    f->xfers = x;
    f->in_flight++;
    return ND_OK;
}

size_t nd_fetch_in_flight(const struct nd_fetcher *f)
{
    return f->in_flight;
}

static void reap(struct nd_fetcher *f)
{
    CURLMsg *m;
    int left;

    while ((m = curl_multi_info_read(f->multi, &left)) != NULL) {
        struct xfer *x = NULL;
        if (m->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        CURLcode rc = m->data.result;
        curl_multi_remove_handle(f->multi, x->easy);
        if (x->prev)
            x->prev->next = x->next;
        else
            f->xfers = x->next;
        if (x->next)
            x->next->prev = x->prev;
        f->in_flight--;
        finish(x, rc);
        x->fn(x->arg, &x->res);
        xfer_free(f, x);
    }
}

int nd_fetch_blocking(const struct nd_fetch_req *req, struct nd_fetch_result *res)
{
    struct xfer *x = xfer_new(NULL, req);
    CURLcode rc;

    memset(res, 0, sizeof(*res));
    res->max_age = -1;
    if (x == NULL)
        return ND_ENOMEM;
    rc = curl_easy_perform(x->easy);
    finish(x, rc);
    *res = x->res;
    memset(&x->res, 0, sizeof(x->res));
    xfer_free(NULL, x);
    return ND_OK;
}
