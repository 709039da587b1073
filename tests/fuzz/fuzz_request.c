/*
 * fuzz_request.c: libFuzzer target for what a client of the control socket
 * controls: one request frame through nd_request_decode().  A decoded
 * request must be well formed (a known command, limits in range, strings
 * without repeats), a refused one must say why.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "newsd/request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct nd_request r;
    char err[256];

    if (nd_request_decode(data, size, &r, err, sizeof(err)) != ND_OK) {
        if (err[0] == '\0')
            abort();
        return 0;
    }
    if (strcmp(nd_cmd_name(r.cmd), "?") == 0)
        abort();
    if (r.cmd == ND_CMD_REPLAY && (r.since < 0 || r.limit < 1 || r.limit > ND_REPLAY_MAX))
        abort();
    for (size_t i = 0; i < r.ids.n; i++)
        for (size_t j = i + 1; j < r.ids.n; j++)
            if (strcmp(r.ids.v[i], r.ids.v[j]) == 0)
                abort();
    nd_request_clear(&r);
    return 0;
}
