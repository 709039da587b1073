/*
 * fuzz_config.c: libFuzzer target for the configuration reader: any text
 * through nd_config_load_string().  It either loads, with every source
 * complete (id, URL, topic, positive interval), or is refused with a
 * "file:line: reason" message.  Inputs with @include or naming /dev or /proc
 * are skipped: they would read files of the machine (a key file may be
 * /dev/stdin), which is not what is tested here.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "newsd/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct nd_config *cfg;
    char err[1024], *text;

    if (size > 65536 || memchr(data, '\0', size) != NULL)
        return 0;
    text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    if (strstr(text, "@include") == NULL && strstr(text, "/dev") == NULL &&
        strstr(text, "/proc") == NULL) {
        if (nd_config_load_string(text, "/nonexistent/newsd.conf", &cfg, err, sizeof(err)) ==
            ND_OK) {
            for (size_t i = 0; i < cfg->n_sources; i++) {
                const struct nd_source_conf *s = &cfg->sources[i];
                if (s->id == NULL || s->url == NULL || s->topic == NULL || s->interval < 1)
                    abort();
            }
            nd_config_free(cfg);
        } else if (strncmp(err, "/nonexistent/newsd.conf:", 24) != 0) {
            fprintf(stderr, "fuzz_config: message without file:line: %s\n", err);
            abort();
        }
    }
    free(text);
    return 0;
}
