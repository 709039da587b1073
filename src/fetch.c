/*
 * fetch.c: libcurl transfers, multi-socket API.
 *
 * curl tells us which sockets to watch (socket callback) and when to call
 * it back (timer callback); the daemon's zmq_poll() waits on both.  The
 * write callback enforces the body cap on decoded bytes, the open-socket
 * callback refuses private addresses to sources not allowed them.
 */
#include <curl/curl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "newsd/fetch.h"
#include "newsd/url.h"
#include "newsd/version.h"

#define MAX_REDIRECTS 10
#define ACCEPT                                                                                     \
    "Accept: application/rss+xml, application/atom+xml, application/feed+json, "                   \
    "application/rdf+xml;q=0.9, application/xml;q=0.9, application/json;q=0.8, "                   \
    "text/xml;q=0.8, */*;q=0.5"

struct sock {
    curl_socket_t fd;
    int what;
};

struct xfer {
    CURL *easy;
    struct curl_slist *headers;
    struct nd_buf body;
    int too_large;
    int blocked;
    int allow_private;
    int responses; /* header blocks seen */
    int capture_location;
    char *url;
    struct nd_fetch_result res;
    nd_fetch_done_fn fn;
    void *arg;
    struct xfer *prev, *next;
};

struct nd_fetcher {
    CURLM *multi;
    struct sock *socks;
    size_t n_socks, cap_socks;
    int64_t timer_due; /* monotonic ms, -1 when none */
    struct xfer *xfers;
    size_t in_flight;
};

static const char *const outcome_names[] = {
    [ND_OUT_NONE] = "none",
    [ND_OUT_OK] = "ok",
    [ND_OUT_NOT_MODIFIED] = "not-modified",
    [ND_OUT_DNS] = "dns",
    [ND_OUT_CONNECT] = "connect",
    [ND_OUT_TLS] = "tls",
    [ND_OUT_TIMEOUT] = "timeout",
    [ND_OUT_HTTP_4XX] = "http-4xx",
    [ND_OUT_GONE] = "gone",
    [ND_OUT_RATE_LIMITED] = "rate-limited",
    [ND_OUT_HTTP_5XX] = "http-5xx",
    [ND_OUT_TOO_LARGE] = "too-large",
    [ND_OUT_PARSE] = "parse",
    [ND_OUT_EMPTY] = "empty",
    [ND_OUT_BLOCKED] = "blocked",
    [ND_OUT_ERROR] = "error",
};

const char *nd_outcome_name(enum nd_outcome o)
{
    if ((size_t)o >= sizeof(outcome_names) / sizeof(outcome_names[0]))
        return "error";
    return outcome_names[o];
}

int nd_outcome_ok(enum nd_outcome o)
{
    return o == ND_OUT_OK || o == ND_OUT_NOT_MODIFIED;
}

void nd_fetch_result_clear(struct nd_fetch_result *r)
{
    free(r->body);
    free(r->content_type);
    free(r->charset);
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
        r->max_age = -1;
        return len;
    }
    if ((v = header_value(line, len, "ETag")) != NULL) {
        nd_str_take(&r->etag, v);
    } else if ((v = header_value(line, len, "Last-Modified")) != NULL) {
        nd_str_take(&r->last_modified, v);
    } else if ((v = header_value(line, len, "Content-Type")) != NULL) {
        nd_str_take(&r->content_type, v);
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

static curl_socket_t on_opensocket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
    struct xfer *x = arg;
    const void *addr = NULL;

    if (a->family == AF_INET)
        addr = &((const struct sockaddr_in *)(const void *)&a->addr)->sin_addr;
    else if (a->family == AF_INET6)
        addr = &((const struct sockaddr_in6 *)(const void *)&a->addr)->sin6_addr;
    if (!x->allow_private && (addr == NULL || nd_addr_is_private(a->family, addr))) {
        x->blocked = 1;
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

static void xfer_free(struct xfer *x)
{
    if (x == NULL)
        return;
    if (x->easy)
        curl_easy_cleanup(x->easy);
    curl_slist_free_all(x->headers);
    nd_buf_free(&x->body);
    nd_fetch_result_clear(&x->res);
    free(x->url);
    free(x);
}

static struct xfer *xfer_new(const struct nd_fetch_req *req)
{
    struct xfer *x = xcalloc(1, sizeof(*x));
    char scheme[16] = "";
    char *h;
    CURL *e;

    x->res.max_age = -1;
    x->url = xstrdup(req->url);
    x->allow_private = req->allow_private;
    nd_buf_init(&x->body, (size_t)req->max_body);
    x->easy = e = curl_easy_init();
    if (e == NULL) {
        xfer_free(x);
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
    curl_easy_setopt(e, CURLOPT_URL, req->url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR,
                     strcmp(scheme, "file") == 0 ? "http,https,file" : "http,https");
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
        return x->blocked ? ND_OUT_BLOCKED : ND_OUT_CONNECT;
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
    curl_off_t retry = 0;

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
                     "refused to connect to a private address (allow_private is off)");
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

/* --- the multi handle and its sockets --- */

static int on_socket(CURL *easy, curl_socket_t s, int what, void *arg, void *sockp)
{
    struct nd_fetcher *f = arg;
    size_t i;

    for (i = 0; i < f->n_socks; i++)
        if (f->socks[i].fd == s)
            break;
    if (what == CURL_POLL_REMOVE) {
        if (i < f->n_socks)
            f->socks[i] = f->socks[--f->n_socks];
        return 0;
    }
    if (i == f->n_socks) {
        if (f->n_socks == f->cap_socks) {
            f->cap_socks = f->cap_socks ? f->cap_socks * 2 : 16;
            f->socks = xrealloc(f->socks, f->cap_socks * sizeof(*f->socks));
        }
        f->socks[f->n_socks++].fd = s;
    }
    f->socks[i].what = what;
    return 0;
}

static int on_timer(CURLM *multi, long timeout_ms, void *arg)
{
    struct nd_fetcher *f = arg;

    f->timer_due = timeout_ms < 0 ? -1 : nd_mono_ms() + timeout_ms;
    return 0;
}

struct nd_fetcher *nd_fetcher_new(void)
{
    struct nd_fetcher *f = xcalloc(1, sizeof(*f));

    f->timer_due = -1;
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
    for (x = f->xfers; x; x = next) {
        next = x->next;
        curl_multi_remove_handle(f->multi, x->easy);
        xfer_free(x);
    }
    curl_multi_cleanup(f->multi);
    free(f->socks);
    free(f);
}

int nd_fetch_start(struct nd_fetcher *f, const struct nd_fetch_req *req, nd_fetch_done_fn fn,
                   void *arg)
{
    struct xfer *x = xfer_new(req);

    if (x == NULL)
        return ND_ENOMEM;
    x->fn = fn;
    x->arg = arg;
    if (curl_multi_add_handle(f->multi, x->easy) != CURLM_OK) {
        xfer_free(x);
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

size_t nd_fetch_pollitems(struct nd_fetcher *f, zmq_pollitem_t *items, size_t max)
{
    size_t n = 0;

    for (size_t i = 0; i < f->n_socks && n < max; i++) {
        items[n].socket = NULL;
        items[n].fd = f->socks[i].fd;
        items[n].events = 0;
        if (f->socks[i].what & CURL_POLL_IN)
            items[n].events |= ZMQ_POLLIN;
        if (f->socks[i].what & CURL_POLL_OUT)
            items[n].events |= ZMQ_POLLOUT;
        items[n].revents = 0;
        n++;
    }
    return n;
}

long nd_fetch_timeout_ms(const struct nd_fetcher *f)
{
    int64_t left;

    if (f->timer_due < 0)
        return -1;
    left = f->timer_due - nd_mono_ms();
    return left < 0 ? 0 : (long)left;
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
        xfer_free(x);
    }
}

void nd_fetch_process(struct nd_fetcher *f, const zmq_pollitem_t *items, size_t n)
{
    int running;

    for (size_t i = 0; i < n; i++) {
        int flags = 0;
        if (items[i].revents == 0)
            continue;
        if (items[i].revents & ZMQ_POLLIN)
            flags |= CURL_CSELECT_IN;
        if (items[i].revents & ZMQ_POLLOUT)
            flags |= CURL_CSELECT_OUT;
        if (items[i].revents & ZMQ_POLLERR)
            flags |= CURL_CSELECT_ERR;
        curl_multi_socket_action(f->multi, items[i].fd, flags, &running);
    }
    if (f->timer_due >= 0 && nd_mono_ms() >= f->timer_due) {
        f->timer_due = -1;
        curl_multi_socket_action(f->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    }
    reap(f);
}

int nd_fetch_blocking(const struct nd_fetch_req *req, struct nd_fetch_result *res)
{
    struct xfer *x = xfer_new(req);
    CURLcode rc;

    memset(res, 0, sizeof(*res));
    res->max_age = -1;
    if (x == NULL)
        return ND_ENOMEM;
    rc = curl_easy_perform(x->easy);
    finish(x, rc);
    *res = x->res;
    memset(&x->res, 0, sizeof(x->res));
    xfer_free(x);
    return ND_OK;
}
