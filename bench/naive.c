/*
 * naive.c: the naive C pipeline bench/daemon.py cycle measures newsd against,
 * with libcurl and libxml2 alone and nothing of newsd's.
 *   naive [--fetch-only] [--save-etags FILE] [--conditional ETAGFILE] URLFILE
 * Fetches every URL of URLFILE (one a line) with libcurl's multi interface,
 * at most 16 transfers at once and at most 2 per host (newsd's defaults,
 * first come first served across hosts), then parses each body with
 * libxml2's DOM (xmlReadMemory, RECOVER|NONET) and the HTML of each
 * item's content (content:encoded or Atom content, else description or
 * summary) with htmlReadMemory, as bench/dom_parse.c --html does, freeing
 * everything.  Bodies are parsed as their transfers finish, on the one thread.
 *   --fetch-only        the fetch floor: the body is thrown away unread
 *   --save-etags FILE   write "URL<TAB>ETAG" for every answer with an ETag
 *   --conditional FILE  send If-None-Match with the ETags of FILE (the cost
 *                       floor of a cycle of 304s)
 * Prints one line: "transfers ok200 ok304 failed bytes items wall-s cpu-s",
 * wall clock from the first transfer to the last, processor time
 * (user + system, every thread) of the same stretch.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "dom_walk.h"

#define MAX_IN_FLIGHT 16
#define MAX_PER_HOST  2

struct job {
    char *url;
    char *got_etag; /* received (--save-etags) */
    int host;       /* index into hosts */
    char *body;
    size_t len, cap;
    struct curl_slist *hdrs;
};

static struct job *jobs;
static size_t njobs;
static char **hosts;
static int nhosts;
static int *host_busy;
static size_t **queue, *qhead, *qlen; /* per host: its jobs in order, the next to start */
static int fetch_only;
static size_t items, bytes;

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n);
    if (p == NULL)
        abort();
    return p;
}

static char *xstrndup(const char *s, size_t n)
{
    char *d = xrealloc(NULL, n + 1);

    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* The host name of a URL, as newsd tells hosts apart (without the port). */
static int host_of(const char *url)
{
    const char *h = strstr(url, "://"), *e;
    size_t n;

    h = h ? h + 3 : url;
    for (e = h; *e && *e != ':' && *e != '/'; e++)
        ;
    n = (size_t)(e - h);
    for (int i = 0; i < nhosts; i++)
        if (strlen(hosts[i]) == n && memcmp(hosts[i], h, n) == 0)
            return i;
    hosts = xrealloc(hosts, sizeof(*hosts) * (size_t)(nhosts + 1));
    hosts[nhosts] = xstrndup(h, n);
    return nhosts++;
}

static void read_urls(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[8192];
    size_t cap = 0;

    if (f == NULL) {
        perror(path);
        exit(2);
    }
    while (fgets(line, sizeof(line), f)) {
        size_t n = strcspn(line, "\r\n");
        if (n == 0)
            continue;
        if (njobs == cap) {
            cap = cap ? cap * 2 : 1024;
            jobs = xrealloc(jobs, cap * sizeof(*jobs));
        }
        memset(&jobs[njobs], 0, sizeof(jobs[njobs]));
        jobs[njobs].url = xstrndup(line, n);
        jobs[njobs].host = host_of(jobs[njobs].url);
        njobs++;
    }
    fclose(f);
    host_busy = xrealloc(NULL, sizeof(int) * (size_t)(nhosts + 1));
    qhead = xrealloc(NULL, sizeof(size_t) * (size_t)(nhosts + 1));
    qlen = xrealloc(NULL, sizeof(size_t) * (size_t)(nhosts + 1));
    queue = xrealloc(NULL, sizeof(*queue) * (size_t)(nhosts + 1));
    for (int h = 0; h < nhosts; h++) {
        host_busy[h] = 0;
        qhead[h] = qlen[h] = 0;
        queue[h] = xrealloc(NULL, sizeof(size_t) * njobs);
    }
    for (size_t i = 0; i < njobs; i++)
        queue[jobs[i].host][qlen[jobs[i].host]++] = i;
}

/* "URL<TAB>ETAG" lines; linear look-up is fine: it runs before the clock starts. */
static void read_etags(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[8192];
    size_t next = 0;

    if (f == NULL) {
        perror(path);
        exit(2);
    }
    while (fgets(line, sizeof(line), f)) {
        char *tab = strchr(line, '\t');
        size_t n = strcspn(line, "\r\n");
        if (tab == NULL)
            continue;
        *tab = '\0';
        line[n] = '\0';
        for (size_t k = 0; k < njobs; k++) {
            size_t i = (next + k) % njobs; /* usually the next one */
            if (strcmp(jobs[i].url, line) == 0) {
                char hdr[8300];
                snprintf(hdr, sizeof(hdr), "If-None-Match: %s", tab + 1);
                jobs[i].hdrs = curl_slist_append(NULL, hdr);
                next = i + 1;
                break;
            }
        }
    }
    fclose(f);
}

static size_t on_body(char *p, size_t size, size_t n, void *data)
{
    struct job *j = data;

    n *= size;
    bytes += n;
    if (fetch_only)
        return n;
    if (j->len + n > j->cap) {
        j->cap = (j->len + n) * 2;
        j->body = xrealloc(j->body, j->cap);
    }
    memcpy(j->body + j->len, p, n);
    j->len += n;
    return n;
}

static size_t on_header(char *p, size_t size, size_t n, void *data)
{
    struct job *j = data;

    n *= size;
    if (n > 5 && strncasecmp(p, "etag:", 5) == 0) {
        size_t a = 5, b = n;
        while (a < b && (p[a] == ' ' || p[a] == '\t'))
            a++;
        while (b > a && (p[b - 1] == '\r' || p[b - 1] == '\n' || p[b - 1] == ' '))
            b--;
        free(j->got_etag);
        j->got_etag = xstrndup(p + a, b - a);
    }
    return n;
}

static void parse_body(struct job *j)
{
    xmlDocPtr x;

    if (j->len == 0)
        return;
    x = xmlReadMemory(j->body, (int)j->len, NULL, NULL, XML_OPTS);
    if (x != NULL) {
        items += walk(xmlDocGetRootElement(x), 1);
        xmlFreeDoc(x);
    }
}

static void start(CURLM *m, size_t i)
{
    CURL *e = curl_easy_init();
    struct job *j = &jobs[i];

    curl_easy_setopt(e, CURLOPT_URL, j->url);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, 120L);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_USERAGENT, "naive-bench/1");
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, j);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, j);
    curl_easy_setopt(e, CURLOPT_PRIVATE, j);
    if (j->hdrs)
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, j->hdrs);
    host_busy[j->host]++;
    curl_multi_add_handle(m, e);
}

int main(int argc, char **argv)
{
    const char *save = NULL, *cond = NULL, *urls = NULL;
    size_t in_flight = 0, done = 0, ok200 = 0, ok304 = 0, failed = 0;
    double t0, c0, wall, cpus;
    CURLM *m;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--fetch-only") == 0)
            fetch_only = 1;
        else if (strcmp(argv[i], "--save-etags") == 0 && i + 1 < argc)
            save = argv[++i];
        else if (strcmp(argv[i], "--conditional") == 0 && i + 1 < argc)
            cond = argv[++i];
        else if (argv[i][0] != '-' && urls == NULL)
            urls = argv[i];
        else {
            fprintf(stderr, "usage: naive [--fetch-only] [--save-etags FILE] "
                            "[--conditional ETAGFILE] URLFILE\n");
            return 2;
        }
    }
    if (urls == NULL) {
        fprintf(stderr, "naive: no URL file\n");
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    xmlInitParser();
    read_urls(urls);
    if (cond)
        read_etags(cond);
    m = curl_multi_init();
    curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, (long)MAX_PER_HOST);
    curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, (long)(MAX_IN_FLIGHT * 2));

    t0 = now();
    c0 = cpu();
    while (done < njobs) {
        int running, left, finished;
        CURLMsg *msg;

        /* admit: first come first served across hosts, skipping hosts at their limit */
        while (in_flight < MAX_IN_FLIGHT) {
            int best = -1;
            for (int h = 0; h < nhosts; h++)
                if (host_busy[h] < MAX_PER_HOST && qhead[h] < qlen[h] &&
                    (best < 0 || queue[h][qhead[h]] < queue[best][qhead[best]]))
                    best = h;
            if (best < 0)
                break;
            start(m, queue[best][qhead[best]++]);
            in_flight++;
        }
        curl_multi_perform(m, &running);
        finished = 0;
        while ((msg = curl_multi_info_read(m, &left)) != NULL) {
            struct job *j;
            long code = 0;
            if (msg->msg != CURLMSG_DONE)
                continue;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&j);
            curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &code);
            if (msg->data.result != CURLE_OK)
                failed++;
            else if (code == 304)
                ok304++;
            else if (code == 200)
                ok200++;
            else
                failed++;
            curl_multi_remove_handle(m, msg->easy_handle);
            curl_easy_cleanup(msg->easy_handle);
            host_busy[j->host]--;
            in_flight--;
            done++;
            finished++;
            if (msg->data.result == CURLE_OK && code == 200 && !fetch_only)
                parse_body(j);
            free(j->body);
            j->body = NULL;
            j->len = j->cap = 0;
        }
        /* a finished transfer frees a slot: admit and drive at once, else wait for sockets */
        if (!finished && done < njobs)
            curl_multi_poll(m, NULL, 0, 1000, NULL);
    }
    wall = now() - t0;
    cpus = cpu() - c0;

    if (save) {
        FILE *f = fopen(save, "w");
        if (f == NULL) {
            perror(save);
            return 2;
        }
        for (size_t i = 0; i < njobs; i++)
            if (jobs[i].got_etag)
                fprintf(f, "%s\t%s\n", jobs[i].url, jobs[i].got_etag);
        fclose(f);
    }
    printf("%zu %zu %zu %zu %zu %zu %.6f %.6f\n", njobs, ok200, ok304, failed, bytes, items, wall,
           cpus);
    curl_multi_cleanup(m);
    xmlCleanupParser();
    curl_global_cleanup();
    return failed ? 1 : 0;
}
